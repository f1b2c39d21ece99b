import { ValidationOptions, registerDecorator } from 'class-validator';
import { isCertificateThumbprint } from '../net/client-certificate';

/** An x5t#S256 certificate thumbprint: the base64url SHA-256 of the certificate's DER, 43 characters, no padding. */
export function IsCertificateThumbprint(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCertificateThumbprint',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an x5t#S256 thumbprint: the base64url SHA-256 of the certificate (43 characters, no padding)',
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && isCertificateThumbprint(value) },
    });
}
