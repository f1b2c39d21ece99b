import { isIP } from 'node:net';
import { ValidationOptions, registerDecorator } from 'class-validator';

/** An IPv4/IPv6 address, or a CIDR range with a prefix length that fits its family. */
export function isIpOrCidr(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export function IsIpOrCidr(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIpOrCidr',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must contain IP addresses or CIDR ranges', ...options },
      validator: { validate: isIpOrCidr },
    });
}
