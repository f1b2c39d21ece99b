import { ValidationOptions, registerDecorator } from 'class-validator';
import { SCOPE_ACTIONS, SCOPE_RESOURCES, isKnownScope } from './scopes';

export function IsScope(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isScope',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must contain known scopes: action:resource with action in ${SCOPE_ACTIONS.join('|')} and resource in ${SCOPE_RESOURCES.join('|')}|*, or admin:all`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && isKnownScope(value) },
    });
}
