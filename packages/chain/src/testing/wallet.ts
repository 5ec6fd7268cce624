import { createWalletClient, type Hex, http, parseEther, parseGwei } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** Anvil's default accounts come from this public test mnemonic (funded on every anvil); test use only. */
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export const TEST_ACCOUNTS = [0, 1, 2].map((addressIndex) =>
  mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex }),
);
const RECIPIENT = "0x000000000000000000000000000000000000beef";

/** Sends real signed transactions of several types to a node, as a user's wallet would. */
export function createTestWallet(url: string, chainId = 31337) {
  const chain = { ...foundry, id: chainId };
  const clients = TEST_ACCOUNTS.map((account) =>
    createWalletClient({ account, chain, transport: http(url, { retryCount: 0 }) }),
  );
  const client = (index: number) => {
    const found = clients[index];
    if (!found) throw new Error(`no test account ${index}`);
    return found;
  };
  return {
    address: (index: number) => TEST_ACCOUNTS[index]?.address.toLowerCase() as string,
    /** Type 0, with a gas price. */
    legacy: (index = 0, valueEth = "1") =>
      client(index).sendTransaction({
        to: RECIPIENT,
        value: parseEther(valueEth),
        type: "legacy",
        gasPrice: parseGwei("2"),
      }),
    /** Type 2 (fee cap and tip). */
    eip1559: (index = 0, valueEth = "0.5") =>
      client(index).sendTransaction({
        to: RECIPIENT,
        value: parseEther(valueEth),
        maxFeePerGas: parseGwei("3"),
        maxPriorityFeePerGas: parseGwei("1"),
      }),
    /** Type 4: the sender delegates its code to a contract address (EIP-7702, Prague). */
    setCode: async (index = 0) => {
      const wallet = client(index);
      const authorization = await wallet.signAuthorization({
        contractAddress: "0x000000000000000000000000000000000000c0de",
        executor: "self",
      });
      return wallet.sendTransaction({
        to: wallet.account.address,
        authorizationList: [authorization],
        gas: 100_000n,
      });
    },
    /** A signed type-2 transaction, not sent: replayed later with eth_sendRawTransaction (same hash). */
    signed: (index: number, nonce: number): Promise<Hex> =>
      client(index).signTransaction({
        to: RECIPIENT,
        value: parseEther("0.1"),
        nonce,
        gas: 21_000n,
        maxFeePerGas: parseGwei("3"),
        maxPriorityFeePerGas: parseGwei("1"),
      }),
  };
}
