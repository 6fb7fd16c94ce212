// Neon's fixed values that input validation needs, apart from the API client (which loads
// axios): an action checks its inputs with these before it loads any provider code.

export const DEFAULT_NEON_API_HOST = 'https://console.neon.tech/api/v2';

/** Neon's documented maximum for a branch's expiration. */
export const NEON_MAX_EXPIRY_SECONDS = 30 * 86400;
