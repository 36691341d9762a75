/** A Connect procedure path (`/package.Service/Method`) → its method in the runtime descriptors. */
import type { DescMethod } from '@bufbuild/protobuf';
import { protoRegistry } from '../../protocol/descriptors.js';

/** `/package.Service/Method`: a procedure path, served or not. */
export const PROCEDURE_PATH = /^\/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\/[A-Za-z_][A-Za-z0-9_]*$/;

/** The method a registered service's path names; a path with no method in schemas/ is a programming error. */
export function methodOf(path: string): DescMethod {
  const [, serviceName, methodName] = path.split('/');
  const method = protoRegistry()
    .getService(serviceName ?? '')
    ?.methods.find((candidate) => candidate.name === methodName);
  if (method === undefined) throw new Error(`schemas/*.proto has no method for ${path}`);
  return method;
}
