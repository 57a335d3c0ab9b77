// Jest runs the TypeScript sources through swc (transpile only; `tsc --noEmit` does the type check).
// jose is ESM-only, so it is transformed too; PGlite needs --experimental-vm-modules (set by `npm test`).
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  transform: { "^.+\\.(t|j)sx?$": ["@swc/jest", {}] },
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  testTimeout: 60000,
  maxWorkers: 2,
};
