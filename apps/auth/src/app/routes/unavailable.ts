import { errorHandler } from '@flotilla/service-kit';

/**
 * The house error handler. Database outages (ECONNREFUSED, ENOTFOUND, 57P0x, 08xxx,
 * "starting up") are answered 503 + Retry-After by the kit itself now, for every
 * service and every hook, so this is only the name the auth routes register.
 */
export const authErrorHandler = errorHandler;
