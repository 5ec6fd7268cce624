export { type Anvil, type AnvilOptions, anvilBinary, startAnvil } from "./anvil.ts";
export { describeWithAnvil } from "./describe-with-anvil.ts";
export { type PausableProxy, startPausableProxy } from "./pausable-proxy.ts";
export { createTestWallet, TEST_ACCOUNTS } from "./wallet.ts";
