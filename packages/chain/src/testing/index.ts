export { type Anvil, type AnvilOptions, anvilBinary, describeWithAnvil, startAnvil } from "./anvil.ts";
export { type PausableProxy, startPausableProxy } from "./pausable-proxy.ts";
export { createTestWallet, TEST_ACCOUNTS } from "./wallet.ts";
