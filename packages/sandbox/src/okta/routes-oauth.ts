import type { FastifyInstance, FastifyReply } from 'fastify';
import { OAuthRefusal } from './auth.js';
import type { EmulatorContext } from './context.js';
import { originOf } from './paging.js';

export const TOKEN_PATH = '/oauth2/v1/token';

/**
 * The org authorization server's token endpoint (client credentials with a private_key_jwt
 * assertion, and a DPoP proof where the app wants one), and the resource server's check of the
 * proof every DPoP-bound call carries.
 */
export function oauthRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.post(TOKEN_PATH, async (request, reply) => {
    const form = request.body;
    if (!form || typeof form !== 'object' || Array.isArray(form)) {
      throw new OAuthRefusal(400, 'invalid_request', 'The token request must be form-encoded.');
    }
    const fields = Object.fromEntries(
      Object.entries(form as Record<string, unknown>).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : undefined,
      ]),
    );
    const proof = request.headers.dpop;
    try {
      // The audience (and a proof's htu) is the token URL as this client reaches it, prefix included.
      const answer = await context.org.credentials.issueToken(
        fields,
        `${context.base(request)}${TOKEN_PATH}`,
        Array.isArray(proof) ? proof.join(',') : proof,
      );
      return noStore(reply).send(answer);
    } catch (error) {
      if (!(error instanceof OAuthRefusal)) throw error;
      // Okta's token errors are OAuth's shape, not its error object; a nonce travels in a header.
      return noStore(reply)
        .code(error.status)
        .headers(error.headers)
        .send({ error: error.error, error_description: error.description });
    }
  });

  // Runs after the plugin's own onRequest hook has authenticated the call (hooks run in the order
  // they were added), so the caller is known: a DPoP-bound token must come with a good proof.
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path === `${context.prefix}${TOKEN_PATH}`) return;
    const binding = context.caller(request).dpop;
    if (!binding) return;
    const proof = request.headers.dpop;
    await context.org.credentials.verifyResourceProof(binding, {
      method: request.method,
      url: `${originOf(request)}${request.url}`,
      proof: Array.isArray(proof) ? proof.join(',') : proof,
    });
  });
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
