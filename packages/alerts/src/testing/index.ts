export { type ReceivedRequest, type Receiver, startReceiver, waitFor } from "./receiver.ts";
