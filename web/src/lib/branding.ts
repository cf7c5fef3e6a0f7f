/** The tenant's branding (name, colour, logo) applied to the whole app, and which tenant the
 * sign-in page is for: `?tenant=<id>`, `<tenant>.localhost`, or `<tenant>.<tenantDomain>`. */
import type { Branding } from "./types";
import { pathFor, type PathWith } from "./api";
import type { components, paths } from "./api/chat";
import { apiBase, config } from "./config";
import { Store } from "./store";

export const DEFAULT_BRANDING: Branding = {
  displayName: "EngageIQ",
  primaryColor: "#1f6feb",
  logoUrl: null,
};

export const branding = new Store<Branding>(DEFAULT_BRANDING);

const HEX = /^#[0-9a-fA-F]{6}$/;

export function tenantHint(): string | null {
  const param = new URLSearchParams(window.location.search).get("tenant");
  if (param) return param;
  const host = window.location.hostname;
  const suffixes = [".localhost"];
  const domain = config().tenantDomain;
  if (domain) suffixes.push(`.${domain}`);
  for (const suffix of suffixes) {
    if (host.endsWith(suffix)) {
      const label = host.slice(0, -suffix.length);
      if (label && !label.includes(".")) return label;
    }
  }
  return null;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** Applies branding: only a #rrggbb colour and an https/http logo are used, as text values. */
export function applyBranding(value: Branding): void {
  const color = HEX.test(value.primaryColor) ? value.primaryColor : DEFAULT_BRANDING.primaryColor;
  const logo = value.logoUrl && /^https?:\/\//i.test(value.logoUrl) ? value.logoUrl : null;
  const clean = {
    displayName: value.displayName || DEFAULT_BRANDING.displayName,
    primaryColor: color,
    logoUrl: logo,
  };
  const root = document.documentElement.style;
  root.setProperty("--brand", color);
  // Text on the brand colour: white or near-black, whichever reads better (WCAG contrast).
  root.setProperty("--on-brand", luminance(color) > 0.35 ? "#111418" : "#ffffff");
  document.title = clean.displayName;
  branding.set(clean);
}

// Asked before anyone signs in, so without the API client (which needs a token).
const PUBLIC_BRANDING = "/api/branding";

/** The public branding for the sign-in page (unknown tenants get the default). */
export async function loadPublicBranding(): Promise<void> {
  const tenant = tenantHint();
  if (!tenant) return;
  try {
    const response = await fetch(
      apiBase() + pathFor(PUBLIC_BRANDING satisfies PathWith<paths, "get">, {}, { tenant }),
    );
    if (response.ok)
      applyBranding((await response.json()) as components["schemas"]["PublicBranding"]);
  } catch {
    // The default branding stays.
  }
}
