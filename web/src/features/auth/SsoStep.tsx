/** The sign-in page's step for an address whose domain signs in with single sign-on
 * (decision 0123). In the cloud it leaves for the Hosted UI, which goes straight to the
 * tenant's identity provider. The local platform has no Hosted UI, so it shows what the cloud
 * would do instead: the provider and the exact authorize URL, and that SSO users cannot sign
 * in here. */
import { useEffect, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { config } from "../../lib/config";
import { authorizeRequest, hostedUiAvailable, startHostedSignIn } from "./hostedUi";

/** Stands for the cloud's `<prefix>.auth.<region>.amazoncognito.com`, which the stack sets. */
function cloudDomain(): string {
  return `<domain-prefix>.auth.${config().region}.amazoncognito.com`;
}

export function SsoStep(props: { email: string; provider: string; onError: (e: unknown) => void }) {
  const cloud = hostedUiAvailable();
  const [localUrl, setLocalUrl] = useState<string | null>(null);

  useEffect(() => {
    if (!cloud) {
      // The same request the cloud makes, with a fresh verifier and state that nothing keeps.
      authorizeRequest(cloudDomain(), props.provider)
        .then((request) => setLocalUrl(request.url))
        .catch(props.onError);
    }
  }, [cloud, props.provider]);

  // A button rather than an automatic redirect: a person whose organisation has not required
  // single sign-on may still sign in with a password (the link below the form).
  if (cloud)
    return (
      <div class="sso-step">
        <p>
          <strong>{props.email}</strong> belongs to an organisation that signs in with single
          sign-on.
        </p>
        <button
          type="button"
          class="primary"
          autoFocus
          onClick={() => void startHostedSignIn(props.provider).catch(props.onError)}
        >
          Continue to your organisation's sign-in
        </button>
      </div>
    );
  return (
    <div class="sso-step">
      <p>
        <strong>{props.email}</strong> belongs to an organisation that signs in with single sign-on,
        through its identity provider <code data-testid="sso-provider">{props.provider}</code>.
      </p>
      <p>In the cloud, the app would now open your organisation's sign-in page at:</p>
      <code class="sso-url" data-testid="sso-url">
        {localUrl ?? "…"}
      </code>
      <Notice kind="info">
        This local platform has no Hosted UI, so people whose organisation uses single sign-on
        cannot sign in here. Use an address that signs in with a password, or the cloud app.
      </Notice>
    </div>
  );
}
