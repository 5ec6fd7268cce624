import { describe, expect, it } from "vitest";
import { detectCsvLayout, etherscanLabelCategory, tagCategory } from "./label-file-layouts.ts";

describe("category mapping", () => {
  it("reads scam and exploit from Etherscan name tags, scam first", () => {
    expect(tagCategory("Spam Token")).toBe("scam");
    expect(tagCategory("Scam: RHOC Token 3")).toBe("scam");
    expect(tagCategory("AnubisDAO Liquidity Rug 1")).toBe("scam");
    expect(tagCategory("BELLE Honeypot Rug Pull")).toBe("scam");
    expect(tagCategory("Plus Token Ponzi 1")).toBe("scam");
    expect(tagCategory("Ian Balina Hacker 2")).toBe("exploit");
    expect(tagCategory("KyberSwap Attacker")).toBe("exploit");
    expect(tagCategory("Multichain Exploiter 4 (Whitehat)")).toBe("exploit");
    expect(tagCategory("Fake_Phishing1772")).toBeNull();
    expect(tagCategory("Rolex (Rolex)")).toBeNull();
    expect(tagCategory("Drug Token")).toBeNull();
  });

  it("maps Etherscan labels", () => {
    expect(etherscanLabelCategory("phish-hack")).toBe("phishing");
    expect(etherscanLabelCategory(" Exploit ")).toBe("exploit");
    expect(etherscanLabelCategory("heist")).toBe("exploit");
    expect(etherscanLabelCategory("")).toBeNull();
    expect(etherscanLabelCategory("gambling")).toBeNull();
  });
});

describe("detectCsvLayout", () => {
  it("tells the shipped layouts and the generic one apart by their header", () => {
    expect(detectCsvLayout(["address", "etherscan_tag", "etherscan_labels", "is_contract"])?.name).toBe(
      "forta-phishing-scams",
    );
    expect(detectCsvLayout(["banned_address", "wallet_tag", "data_source"])?.name).toBe(
      "forta-etherscan-malicious",
    );
    expect(
      detectCsvLayout([
        "contract_address",
        "contract_tag",
        "contract_creator",
        "contract_creation_tx",
        "contract_creator_tag",
        "source",
        "notes",
        "contract_creator_etherscan_label",
      ])?.name,
    ).toBe("forta-malicious-contracts");
    expect(detectCsvLayout(["address", "category"])?.name).toBe("generic");
    expect(detectCsvLayout(["address", "category", "note", "confidence", "expires_at"])?.name).toBe(
      "generic",
    );
    expect(detectCsvLayout(["address", "label"])).toBeNull();
    expect(detectCsvLayout(["hash", "value"])).toBeNull();
  });

  it("maps a malicious-contract row: creator label to category, creator named in the note only", () => {
    const layout = detectCsvLayout(["contract_address", "contract_creator_etherscan_label"]);
    const row = {
      contract_address: "0x04ae3226c80e8c04d35e6e56089345bdd06da6de",
      contract_tag: "Multichain Exploiter 10",
      contract_creator: "0x98f5b0a99f258a09403d965647ee9d53677914af",
      contract_creation_tx: "0xe962b06db95db1dedb8b1664bf93bb8816c0cfbd187693d2b1ccd295313c94e3",
      contract_creator_tag: "",
      source: "Luabase ethereum.tags table",
      notes: "",
      contract_creator_etherscan_label: "heist",
    };
    expect(layout?.map(row)).toEqual({
      ok: true,
      label: {
        address: "0x04ae3226c80e8c04d35e6e56089345bdd06da6de",
        category: "exploit",
        source: "Luabase ethereum.tags table",
        note: "Multichain Exploiter 10; created by 0x98f5b0a99f258a09403d965647ee9d53677914af in 0xe962b06db95db1dedb8b1664bf93bb8816c0cfbd187693d2b1ccd295313c94e3",
      },
    });
    expect(layout?.map({ ...row, contract_creator_etherscan_label: "" })).toMatchObject({
      label: { category: "exploit" },
    });
    expect(layout?.map({ ...row, contract_creator_etherscan_label: "phish-hack" })).toMatchObject({
      label: { category: "phishing" },
    });
    expect(layout?.map({ ...row, contract_creator_etherscan_label: "gambling" })).toEqual({
      ok: false,
      message: 'contract_creator_etherscan_label: unknown label "gambling"',
    });
  });

  it("maps an Etherscan-malicious row: the tag before the list", () => {
    const layout = detectCsvLayout(["banned_address", "wallet_tag", "data_source"]);
    const row = (wallet_tag: string, data_source: string) => ({
      banned_address: "0x80d7bb18521acbef32d7906502ebe94928690e93",
      wallet_tag,
      data_source,
    });
    expect(layout?.map(row("Fake_Phishing1772", "etherscan-phish-hack-list"))).toEqual({
      ok: true,
      label: {
        address: "0x80d7bb18521acbef32d7906502ebe94928690e93",
        category: "phishing",
        source: "etherscan-phish-hack-list",
        note: "Fake_Phishing1772",
      },
    });
    expect(layout?.map(row("Spam Token", "etherscan-phish-hack-list"))).toMatchObject({
      label: { category: "scam" },
    });
    expect(layout?.map(row("Slope Wallet Hacker", "etherscan-phish-hack-list"))).toMatchObject({
      label: { category: "exploit" },
    });
    expect(layout?.map(row("", "etherscan-heist-list"))).toMatchObject({
      label: { category: "exploit", note: null },
    });
    expect(layout?.map(row("x", "etherscan-gambling-list"))).toMatchObject({ ok: false });
  });
});
