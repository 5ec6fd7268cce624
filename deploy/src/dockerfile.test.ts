import { describe, expect, it } from "vitest";
import {
  argsOf,
  imageInstructions,
  lineOf,
  lintDockerfile,
  parseDockerfile,
  stagesOf,
} from "./dockerfile.ts";

const digest = `sha256:${"ab".repeat(32)}`;
const good = `# syntax=docker/dockerfile:1
ARG BASE_DIGEST=${digest}
FROM node:24-bookworm-slim@\${BASE_DIGEST} AS build
RUN echo a \\
 && echo b
FROM node:24-bookworm-slim@${digest}
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
WORKDIR /app
USER 1000:1000
HEALTHCHECK CMD ["node", "-e", "1"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts"]
`;
/** One recipe, two variants: the last FROM picks the variant's stage by build arg. */
const variants = `ARG VARIANT
FROM node:24-bookworm-slim@${digest} AS common
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts"]
FROM common AS a
EXPOSE 1
HEALTHCHECK CMD ["node", "-e", "1"]
FROM common AS b
EXPOSE 2
FROM \${VARIANT}
`;
const codes = (text: string, buildArgs = {}) => lintDockerfile(text, buildArgs).map((issue) => issue.code);

describe("Dockerfile reading", () => {
  it("joins continuation lines, leaves comments and flags out, and keeps line numbers", () => {
    const instructions = parseDockerfile(good).getInstructions();
    expect(instructions[2]?.getKeyword()).toBe("RUN");
    expect(instructions[2] && argsOf(instructions[2])).toBe("echo a  && echo b");
    expect(instructions[2] && lineOf(instructions[2])).toBe(4);
    const copy = instructions.find((i) => i.getKeyword() === "COPY");
    expect(copy && argsOf(copy)).toBe("/app /app");
  });

  it("substitutes build args in FROM and follows FROM <stage> to what the image gets", () => {
    const stages = stagesOf(parseDockerfile(variants), { VARIANT: "a" });
    expect(stages.map((s) => [s.alias, s.image, s.parent?.alias])).toEqual([
      ["common", `node:24-bookworm-slim@${digest}`, undefined],
      ["a", "common", "common"],
      ["b", "common", "common"],
      [undefined, "a", "a"],
    ]);
    const expose = (variant: string) =>
      imageInstructions(parseDockerfile(variants), { VARIANT: variant })
        .filter((i) => i.getKeyword() === "EXPOSE")
        .map(argsOf);
    expect(expose("a")).toEqual(["1"]);
    expect(expose("b")).toEqual(["2"]);
  });
});

describe("Dockerfile lint", () => {
  it("passes a pinned, non-root image with an init process and a healthcheck", () => {
    expect(lintDockerfile(good)).toEqual([]);
    expect(codes(good.replace(digest, "sha256:UNPINNED"))).toEqual([]);
    expect(codes(variants, { VARIANT: "a" })).toEqual([]);
  });

  it("flags each rule it enforces", () => {
    expect(codes(good.replace(`@${digest}\nRUN apt`, "\nRUN apt"))).toEqual(["CW001"]);
    expect(codes(good.replace(`node:24-bookworm-slim@${digest}\nRUN`, "node:latest\nRUN"))).toEqual([
      "DL3007",
      "CW001",
    ]);
    expect(codes(good.replace("sha256:UNPINNED", "x").replace(`=${digest}`, "=sha256:123"))).toEqual([
      "CW001",
    ]);
    expect(codes(good.replace("USER 1000:1000", "USER root"))).toEqual(["DL3002"]);
    expect(codes(good.replace("USER 1000:1000\n", ""))).toEqual(["DL3002"]);
    expect(codes(good.replace(/HEALTHCHECK.*\n/, ""))).toEqual(["CW002"]);
    expect(codes(good.replace(/HEALTHCHECK.*\n/, "HEALTHCHECK NONE\n"))).toEqual(["CW002"]);
    expect(codes(good.replace('["/usr/bin/tini", "--"]', '["node"]'))).toEqual(["CW003"]);
    expect(
      codes(good.replace(" --no-install-recommends", "").replace(" && rm -rf /var/lib/apt/lists/*", "")),
    ).toEqual(["DL3015", "DL3009"]);
    expect(codes(good.replace('CMD ["node", "src/main.ts"]', "CMD node src/main.ts"))).toEqual(["DL3025"]);
    expect(codes(good.replace("WORKDIR /app", "WORKDIR app"))).toEqual(["DL3000"]);
    expect(codes(good.replace("COPY --from", "ADD --from"))).toEqual(["DL3020"]);
    expect(codes(`${good}FORM x\n`)).toEqual(["CW000"]);
    // BASE_DIGEST is declared before the first FROM only: the stage must declare it again to use it.
    expect(codes(good.replace("RUN echo a", "RUN echo $BASE_DIGEST"))).toEqual(["CW007"]);
    expect(codes(good.replace("RUN echo a", "ARG BASE_DIGEST\nRUN echo $BASE_DIGEST"))).toEqual([]);
  });

  it("lints the variant a build arg picks, and refuses a FROM whose build arg is missing", () => {
    // Variant b has no HEALTHCHECK of its own and inherits none.
    expect(codes(variants, { VARIANT: "b" })).toEqual(["CW002"]);
    expect(codes(variants)).toEqual(["CW006", "DL3002", "CW002", "CW003", "CW004"]);
  });
});
