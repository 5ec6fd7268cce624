import { describe, expect, it } from "vitest";
import { deployFiles, parseYamlDocuments, readDeployFile } from "../src/yaml-files.ts";

const files = deployFiles();
const yamlFiles = files.filter((file) => /\.ya?ml$/.test(file));
const jsonFiles = files.filter((file) => file.endsWith(".json"));

describe("every YAML and JSON file under deploy/ parses", () => {
  it("finds the files it is meant to check", () => {
    expect(yamlFiles).toContain("compose.yaml");
    expect(yamlFiles).toContain("k8s/base/kustomization.yaml");
    expect(yamlFiles).toContain("prometheus/rules/chainwatch.rules.yaml");
    expect(jsonFiles).toContain("grafana/dashboards/chainwatch.json");
    expect(jsonFiles).toContain("package.json");
  });

  it.each(yamlFiles)("%s", (file) => {
    const documents = parseYamlDocuments(file);
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(document).toBeTypeOf("object");
  });

  it.each(jsonFiles)("%s", (file) => {
    expect(() => JSON.parse(readDeployFile(file))).not.toThrow();
  });

  it("rejects what a careless edit produces", () => {
    expect(() => parseYamlDocuments("bad.yaml", "a: 1\n  b: 2\n")).toThrow(/bad\.yaml/);
    expect(() => parseYamlDocuments("bad.yaml", "a: [1, 2\n")).toThrow(/bad\.yaml/);
    expect(() => parseYamlDocuments("dup.yaml", "a: 1\na: 2\n")).toThrow(/dup\.yaml/);
  });
});
