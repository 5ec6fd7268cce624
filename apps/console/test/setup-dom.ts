import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor give up after 1 s by default; on the shared 2-core machine (load average ~9) a render plus a
// fake-gateway round trip has taken longer, failing a correct test. A bound, not a speed check.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
});
