import { render } from "preact";
import { App } from "./App";
import { loadPublicBranding } from "./lib/branding";
import { loadConfig } from "./lib/config";
import "./styles.css";

const root = document.getElementById("app")!;

loadConfig()
  .then(async () => {
    // The sign-in page shows the tenant's branding when the address names a tenant.
    await loadPublicBranding();
    render(<App />, root);
  })
  .catch(() => {
    root.textContent = "EngageIQ could not load its configuration. Reload the page in a moment.";
  });
