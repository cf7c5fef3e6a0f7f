/** The client configuration the platform serves at /config.json: the Pulumi program writes it
 * to the web bucket, the local edge generates it with the same keys (plus local ones). */
export interface ClientConfig {
  /** Base URL of the API, e.g. "https://app.example.com/api". */
  apiUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Cognito managed login domain (cloud only): enables the Hosted UI + PKCE sign-in. */
  hostedUiDomain?: string | null;
  /** Where the browser reaches the Cognito API; locally a same-origin path on the edge. */
  cognitoEndpoint?: string | null;
  /** The app's own domain: `<tenant>.<tenantDomain>` selects a tenant's branding. */
  tenantDomain?: string | null;
}

let loaded: ClientConfig | null = null;

export async function loadConfig(): Promise<ClientConfig> {
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const data = (await response.json()) as ClientConfig;
  if (!data.apiUrl || !data.userPoolClientId || !data.region) {
    throw new Error("config.json lacks apiUrl, region or userPoolClientId");
  }
  loaded = data;
  return data;
}

export function config(): ClientConfig {
  if (!loaded) throw new Error("configuration not loaded yet");
  return loaded;
}

/** The API base as a same-origin path when it is on this origin (so CSP stays 'self'). */
export function apiBase(): string {
  const url = new URL(config().apiUrl, window.location.origin);
  const base = url.origin === window.location.origin ? url.pathname : url.href;
  return base.replace(/\/$/, "");
}
