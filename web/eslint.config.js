// ESLint for the web app (decision 0097): typescript-eslint's type-aware recommended rules,
// and the import boundaries: a feature imports no other feature, and lib/ and components/
// import no feature (what several features share lives in lib/ or components/). Prettier owns
// the layout, so eslint-config-prettier turns off the rules that would fight it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import prettier from "eslint-config-prettier";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// Every directory under src/features/ is a feature, so a new one is bounded without an edit here.
const FEATURES = readdirSync(join(import.meta.dirname, "src/features"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

export default defineConfig(
  // The API types are generated (scripts/web-api-types) and kept as generated.
  { ignores: ["dist/", "node_modules/", "src/lib/api/"] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [
        createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".json"] }),
      ],
    },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...FEATURES.map((feature) => ({
              target: `./src/features/${feature}`,
              from: "./src/features",
              except: [`./${feature}`],
              message:
                "A feature imports no other feature: move what both need to src/lib/ or src/components/.",
            })),
            {
              target: ["./src/lib", "./src/components"],
              from: "./src/features",
              message: "Shared code imports no feature.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["*.js", "*.ts"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
