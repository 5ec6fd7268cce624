import { describe, expect, it } from "vitest";
import { splitBySize } from "./publisher.ts";

const message = (bytes: number, key = "k") => ({ key, value: "x".repeat(bytes) });

describe("publisher request splitting", () => {
  it("keeps a small publish in one request", () => {
    const requests = splitBySize([{ topic: "a", messages: [message(10), message(10)] }], 1_000);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.[0]?.messages).toHaveLength(2);
  });

  it("splits a large publish into requests under the budget, in order, across topics", () => {
    const scores = Array.from({ length: 10 }, (_, i) => message(300, `s${i}`));
    const anomalies = Array.from({ length: 3 }, (_, i) => message(300, `a${i}`));
    const requests = splitBySize(
      [
        { topic: "scores", messages: scores },
        { topic: "anomalies", messages: anomalies },
      ],
      1_200,
    );
    // 373 bytes each with overhead → 3 per request.
    expect(requests.map((request) => request.flatMap((batch) => batch.messages).length)).toEqual([
      3, 3, 3, 3, 1,
    ]);
    const order = requests.flatMap((request) => request.flatMap((batch) => batch.messages.map((m) => m.key)));
    expect(order).toEqual([...scores, ...anomalies].map((m) => m.key));
    expect(requests[3]?.map((batch) => batch.topic)).toEqual(["scores", "anomalies"]);
  });

  it("sends a message larger than the budget alone", () => {
    const requests = splitBySize(
      [{ topic: "a", messages: [message(10), message(5_000), message(10)] }],
      1_000,
    );
    expect(requests.map((request) => request[0]?.messages.length)).toEqual([1, 1, 1]);
  });
});
