/**
 * yargs' messages about a flag's value (missing, required, not one of the choices), said the way
 * both CLIs say them: one name per flag, with its dashes. Anything else is returned as it is.
 */
export function explainValueProblem(message: string, flagName: (name: string) => string = (name) => `--${name}`): string {
  const missing = /^Missing required arguments?: (.+)$/.exec(message);
  if (missing !== null) {
    const names = (missing[1] as string).split(', ');
    return `missing required flag${names.length > 1 ? 's' : ''} ${names.map(flagName).join(', ')}`;
  }
  const noValue = /^Not enough arguments following: (.+)$/.exec(message);
  if (noValue !== null) return `${flagName(noValue[1] as string)} needs a value`;
  const invalid = /^Invalid values:\s+Argument: ([^,]+), Given: (.+), Choices: (.+)$/s.exec(message);
  if (invalid !== null) return `${flagName(invalid[1] as string)}: ${invalid[2]} is not one of ${invalid[3]}`;
  return message;
}
