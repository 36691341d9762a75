/**
 * The words an error text may consist of for it to be kept (lower case, after normalization).
 * It is an allow-list on purpose: a word that is not here may be a name (a host, a user, a
 * database, a token), so a text holding one is replaced, and only its class is kept. The list is
 * the vocabulary of error messages (what failed, why, in which kind of resource) and the small
 * words that join them; it has no proper nouns beyond product and protocol names.
 */
const WORDS = `
a able about above access accessdenied account accounts across action actions active ad add added
adding address addresses admin administrator after again agent agents all allow allowed allows
already also an and another any app application applications apps are aren't argument arguments as
assume assumed assumerole assumerolewithwebidentity at attempt attempts auth authenticate
authenticated authentication authority authorization authorize authorized authorised aws azure
bad be because been before being below between big blank broken but by ca can can't cancel
canceled cancelled cannot cert certificate certificates certs chain character characters check
checked checking client clients close closed cluster clusters code command commands configuration
config configure configured configuring conflict conflicts connect connected connecting connection
connections connectivity contact container containers context controller could couldn't count
create created creating credential credentials crashed current database databases db deadline
deadlineexceeded decode default delete deleted deleting denied deny deploy deployed deploying
deployment desc desktop desktops destination did didn't digit digits directory disabled disable
disconnected discover discovery disk dns do does doesn't domain don't down download due duplicate
during each ec2 ecs eice eks empty enable enabled endpoint endpoints enough enroll enrolled
enrolling enrollment ensure entries entry eof error errors exceeded exceeds exceed exhausted exist
existing exists exit expected expire expired expires fail failed failing fails failure false
feature fetch fetching field fields file files find first flag for forbidden format found from
full further gateway gcp get given got group groups grpc handshake has hasn't have haven't health
healthy heartbeat host hostname hosts http https i/o iam id identifier identifiers identity ids
if in incorrect install installed installing installation instance instances integration
integrations internal invalid invalidargument io is isn't it it's its join joined joining key
keys kind kube kubernetes label labels large last later least length less limit limits linux
list listed listing load loaded local log logged login logins logs long lookup made make malformed
many match max maximum may memory mfa might min minimum minute minutes mismatch mismatched
missing more most ms must mutual mtls name names namespace namespaces need needed needs network
new next nil no node nodes none nor not notfound null number object of off offline on one online
only operation operations option options or os other out output over parameter parameters parse
parsed parsing peer pending per perform permission permissiondenied permissions ping pipe please
pod pods policies policy port ports precondition previous principal principals private probe
provide provided proxy proxies public query rate rds reach reachable read ready reason receive
received refused region regions register registered registering remote remove removed request
requested requests require required requires reset resolve resolved resource resourceexhausted
resources respond responded responding response responses retrieve retrieved retry role roles
route routing rpc rule rules run running saml schema script second seconds secret secrets
security see select selected selection send sent server servers service services session
sessions setting settings shell short should signal signed size small so some specified specify
sso ssh ssl start started starting status step steps stop stopped sts subnet subnets such
support supported sure table tables task tasks tcp test tested testing than that the their them
then there these they this those throttled throttling throttlingexception time timed timeout
times tls to token tokens too tool tools trait traits true trust trusted try type udp
unable unauthenticated unauthorized unauthorised unavailable under unexpected unhealthy unknown
unreachable unsupported untrusted up update updated updating upload user users valid validate
validation value values verification verified verify version versions via vpc wait waited waiting
was wasn't we were what when where which while window windows with within without wizard won't
would write wrong x509 yet you your
`;

export const ERROR_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((word) => word !== ''));
