/**
 * The value sets every part of Kirim shares (API, gateway protocol, store
 * columns), defined once. Kept apart from the API schemas so the gateway
 * bundle can use them without the rest.
 */
import { z } from 'zod';

export const Channel = z.enum(['sms', 'email']).describe('Delivery channel');
export const Locale = z.enum(['id', 'en']);
export const Priority = z.enum(['high', 'normal', 'low']);

export const VerificationMethod = z
  .enum(['send', 'reverse'])
  .describe('`send`: Kirim sends the code (default); `reverse`: the person texts the code to a gateway\'s number (SMS only, docs/reverse-otp.md)');
export const VerificationStatus = z.enum(['pending', 'approved', 'expired', 'canceled', 'max_attempts_reached', 'failed']);
export const MessageStatus = z.enum(['queued', 'dispatched', 'spooled', 'sent', 'delivered', 'failed', 'expired', 'canceled']);
export const SmsEncoding = z.enum(['gsm7', 'ucs2']);

export type Channel = z.infer<typeof Channel>;
export type Locale = z.infer<typeof Locale>;
export type Priority = z.infer<typeof Priority>;
export type VerificationStatus = z.infer<typeof VerificationStatus>;
export type VerificationMethod = z.infer<typeof VerificationMethod>;
export type MessageStatus = z.infer<typeof MessageStatus>;
export type SmsEncoding = z.infer<typeof SmsEncoding>;
