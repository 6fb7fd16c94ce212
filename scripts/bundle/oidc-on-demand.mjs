// Stands in for @actions/core's `./oidc-utils.js` inside the action bundles. @actions/core
// imports it at load time, and with it @actions/http-client, node:http, node:https and
// node:tls, whose loading was a large part of an action's start; only core.getIDToken uses
// it, which no action calls. The real module is split into its own chunk, loaded on first use.
export class OidcClient {
  static async getIDToken(audience) {
    const real = await import('../../node_modules/@actions/core/lib/oidc-utils.js');
    return real.OidcClient.getIDToken(audience);
  }
}
