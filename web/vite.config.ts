// Vite builds the single-page app into dist/; the Swagger UI assets that the services' API
// docs pages load from /docs-assets/swagger-ui/ are copied from the swagger-ui-dist package,
// so those pages work without a CDN (issue 9).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig, type Plugin } from "vite";

const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"];

function swaggerAssets(): Plugin {
  const root = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  return {
    name: "engageiq-swagger-ui-assets",
    apply: "build",
    generateBundle() {
      for (const file of SWAGGER_FILES) {
        this.emitFile({
          type: "asset",
          fileName: `docs-assets/swagger-ui/${file}`,
          source: readFileSync(join(root, file)),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [swaggerAssets()],
  build: {
    target: "es2022",
    // Hashed file names under assets/ are what the edge serves as immutable.
    assetsDir: "assets",
    sourcemap: false,
  },
});
