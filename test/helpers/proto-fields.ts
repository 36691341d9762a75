/** How the wire-shape tests name a descriptor field's type: `scalar:9`, `enum:pkg.Name`, `message:pkg.Name`, `list`, `map`. */
import type { DescField } from '@bufbuild/protobuf';

export function fieldType(field: DescField): string {
  if (field.fieldKind === 'scalar') return `scalar:${field.scalar}`;
  if (field.fieldKind === 'enum') return `enum:${field.enum.typeName}`;
  if (field.fieldKind === 'message') return `message:${field.message.typeName}`;
  return field.fieldKind;
}
