import { defineConfig } from "vitest/config";

export default defineConfig({
  // The same (production) build of Lit the bundle contains.
  resolve: { conditions: ["production"] },
  test: { include: ["test/**/*.test.ts"] },
});
