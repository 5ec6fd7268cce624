import { describe, expect, it } from "vitest";
import { lintDockerfile, parseDockerfile } from "./dockerfile.ts";

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
const codes = (text: string) => lintDockerfile(text).map((issue) => issue.code);

describe("Dockerfile lint", () => {
  it("joins continuation lines and drops comments", () => {
    const instructions = parseDockerfile(good);
    expect(instructions[2]).toEqual({ keyword: "RUN", args: "echo a  && echo b", line: 4 });
  });

  it("passes a pinned, non-root image with an init process and a healthcheck", () => {
    expect(lintDockerfile(good)).toEqual([]);
    expect(codes(good.replace(digest, "sha256:UNPINNED"))).toEqual([]);
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
    expect(codes(good.replace('["/usr/bin/tini", "--"]', '["node"]'))).toEqual(["CW003"]);
    expect(
      codes(good.replace(" --no-install-recommends", "").replace(" && rm -rf /var/lib/apt/lists/*", "")),
    ).toEqual(["DL3015", "DL3009"]);
    expect(codes(good.replace('CMD ["node", "src/main.ts"]', "CMD node src/main.ts"))).toEqual(["DL3025"]);
    expect(codes(good.replace("WORKDIR /app", "WORKDIR app"))).toEqual(["DL3000"]);
    expect(codes(good.replace("COPY --from", "ADD --from"))).toEqual(["DL3020"]);
    expect(codes(`${good}FORM x\n`)).toEqual(["CW000"]);
  });
});
