import type { FastifyInstance } from 'fastify';
import { OAuthRefusal } from './auth.js';
import type { EmulatorContext } from './context.js';

export const TOKEN_PATH = '/oauth2/v1/token';

/** The org authorization server's token endpoint: client credentials with a private_key_jwt assertion. */
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
    // The audience is the token URL as this client reaches it, prefix included.
    const answer = await context.org.credentials.issueToken(fields, `${context.base(request)}${TOKEN_PATH}`);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(answer);
  });
}
