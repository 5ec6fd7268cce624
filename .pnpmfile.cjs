// viem and its ox and abitype declare TypeScript as an optional peer dependency (for their type-level API).
// pnpm links an optional peer whenever the workspace has it, so `pnpm install --prod` of any app that uses
// @chainwatch/chain installed the TypeScript compiler into its image (deploy/test/image-recipe.int.test.ts
// caught it). Nothing imports TypeScript at run time; type-checking finds it from the workspace as before.
const WITHOUT_TYPESCRIPT_PEER = new Set(["viem", "ox", "abitype"]);

module.exports = {
  hooks: {
    readPackage(pkg) {
      if (WITHOUT_TYPESCRIPT_PEER.has(pkg.name)) {
        if (pkg.peerDependencies) delete pkg.peerDependencies.typescript;
        if (pkg.peerDependenciesMeta) delete pkg.peerDependenciesMeta.typescript;
      }
      return pkg;
    },
  },
};
