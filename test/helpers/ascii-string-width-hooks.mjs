// Loader hooks (on Node's hooks thread): `string-width`, from any importer, resolves to the
// stand-in below, which is told where the importer's own version is; the stand-in's import of that
// version is by URL, so it passes through.
const STAND_IN = new URL('./ascii-string-width-stand-in.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier !== 'string-width') return next(specifier, context);
  const real = await next(specifier, context);
  return { url: `${STAND_IN}?real=${encodeURIComponent(real.url)}`, format: 'module', shortCircuit: true };
}
