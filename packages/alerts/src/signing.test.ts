import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSigningSecret, hasValidSignature, signWebhook } from "./signing.ts";

describe("Standard Webhooks signing", () => {
  it("signs id.timestamp.body with HMAC-SHA256 of the base64 key (value computed with openssl dgst)", () => {
    const headers = signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("is verified by the standardwebhooks library, and a changed body is not", () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ type: "anomaly.detected", data: { hash: "0xab" } });
    const headers = signWebhook(secret, "msg_1", Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
    expect(hasValidSignature(secret, headers, body)).toBe(true);
    expect(hasValidSignature(generateSigningSecret(), headers, body)).toBe(false);
  });

  it("generates whsec_ secrets of 24 random bytes", () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(24);
    expect(generateSigningSecret()).not.toBe(secret);
  });
});
