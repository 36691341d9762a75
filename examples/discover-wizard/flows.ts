/**
 * One wizard run, as data: which steps each resource type goes through (always in discover-wire's
 * wizard order, the order reports lay funnels out in), how long a user spends on each, what the UI
 * says when one fails, and the run itself for a plan. No clock and no I/O here.
 */
import { COMPLETED_STEP, DISCOVER_STEPS, STARTED_STEP, type DiscoverStatusName, type DiscoverStep } from '../../src/protocol/discover-wire.js';
import type { DiscoverFields } from './events.js';

/** A step's name on the command line: its report label in kebab case (`deploy agent` → `deploy-agent`). */
export const stepName = (step: DiscoverStep): string => step.label.toLowerCase().replace(/\s+/g, '-');

type Extras = Pick<DiscoverFields, 'deploy_method' | 'deploy_type' | 'config_method' | 'resources_count' | 'selected_resources_count'>;

interface ResourceFlow {
  resource: string;
  /** The members between resource selection and completion. */
  steps: readonly string[];
  extras?: Extras;
}

const SELF_HOSTED_AGENT: Extras = { deploy_method: 'DEPLOY_METHOD_MANUAL', deploy_type: 'DEPLOY_TYPE_INSTALL_SCRIPT' };
const SELF_HOSTED_DATABASE = [
  'uiDiscoverDatabaseRegisterEvent',
  'uiDiscoverDeployServiceEvent',
  'uiDiscoverDatabaseConfigureMtlsEvent',
  'uiDiscoverPrincipalsConfigureEvent',
  'uiDiscoverTestConnectionEvent',
];
const AGENT_THEN_ACCESS = ['uiDiscoverDeployServiceEvent', 'uiDiscoverPrincipalsConfigureEvent', 'uiDiscoverTestConnectionEvent'];

/** The resource types this example offers, by their name on the command line. */
export const RESOURCES = {
  server: { resource: 'DISCOVER_RESOURCE_SERVER', steps: AGENT_THEN_ACCESS, extras: SELF_HOSTED_AGENT },
  kubernetes: { resource: 'DISCOVER_RESOURCE_KUBERNETES', steps: AGENT_THEN_ACCESS, extras: SELF_HOSTED_AGENT },
  app: { resource: 'DISCOVER_RESOURCE_APPLICATION_HTTP', steps: AGENT_THEN_ACCESS, extras: SELF_HOSTED_AGENT },
  postgres: { resource: 'DISCOVER_RESOURCE_DATABASE_POSTGRES_SELF_HOSTED', steps: SELF_HOSTED_DATABASE, extras: SELF_HOSTED_AGENT },
  mysql: { resource: 'DISCOVER_RESOURCE_DATABASE_MYSQL_SELF_HOSTED', steps: SELF_HOSTED_DATABASE, extras: SELF_HOSTED_AGENT },
  mongodb: { resource: 'DISCOVER_RESOURCE_DATABASE_MONGODB_SELF_HOSTED', steps: SELF_HOSTED_DATABASE, extras: SELF_HOSTED_AGENT },
  'rds-postgres': {
    resource: 'DISCOVER_RESOURCE_DATABASE_POSTGRES_RDS',
    steps: [
      'uiDiscoverIntegrationAwsOidcConnectEvent',
      'uiDiscoverDatabaseRdsEnrollEvent',
      'uiDiscoverDeployServiceEvent',
      'uiDiscoverDatabaseConfigureIamPolicyEvent',
      'uiDiscoverPrincipalsConfigureEvent',
      'uiDiscoverTestConnectionEvent',
    ],
    // The database agent is deployed for the user on Amazon ECS.
    extras: { deploy_method: 'DEPLOY_METHOD_AUTO', deploy_type: 'DEPLOY_TYPE_AMAZON_ECS', selected_resources_count: 1 },
  },
  eks: {
    resource: 'DISCOVER_RESOURCE_KUBERNETES_EKS',
    steps: ['uiDiscoverIntegrationAwsOidcConnectEvent', 'uiDiscoverKubeEksEnrollEvent', 'uiDiscoverPrincipalsConfigureEvent', 'uiDiscoverTestConnectionEvent'],
  },
  ec2: {
    resource: 'DISCOVER_RESOURCE_EC2_INSTANCE',
    steps: [
      'uiDiscoverIntegrationAwsOidcConnectEvent',
      'uiDiscoverEc2InstanceSelection',
      'uiDiscoverDeployEice',
      'uiDiscoverCreateNode',
      'uiDiscoverPrincipalsConfigureEvent',
      'uiDiscoverTestConnectionEvent',
    ],
  },
} as const satisfies Record<string, ResourceFlow>;

export type ResourceName = keyof typeof RESOURCES;
export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

const SELECTION = 'uiDiscoverResourceSelectionEvent';

/** The steps of a resource's flow, in wizard order. */
export function flowOf(resource: ResourceName): DiscoverStep[] {
  const members = new Set<string>([SELECTION, ...RESOURCES[resource].steps]);
  return DISCOVER_STEPS.filter((step, index) => index === STARTED_STEP || index === COMPLETED_STEP || members.has(step.member));
}

/** Steps a user can fail or leave at: any step of some flow but opening and finishing the wizard. */
const failable = (step: DiscoverStep): boolean => step.member === SELECTION || RESOURCE_NAMES.some((name) => (RESOURCES[name].steps as readonly string[]).includes(step.member));

/** What --fail-at and --abort-at take, in wizard order. */
export const STEP_NAMES: readonly string[] = DISCOVER_STEPS.filter(failable).map(stepName);

/** Pauses a user spends on a step before it is reported; deploying an agent takes longest. */
const WEIGHTS: Readonly<Record<string, number>> = {
  uiDiscoverIntegrationAwsOidcConnectEvent: 4,
  uiDiscoverKubeEksEnrollEvent: 3,
  uiDiscoverDeployEice: 4,
  uiDiscoverDatabaseRegisterEvent: 2,
  uiDiscoverDeployServiceEvent: 5,
  uiDiscoverDatabaseConfigureMtlsEvent: 3,
  uiDiscoverDatabaseConfigureIamPolicyEvent: 3,
  uiDiscoverPrincipalsConfigureEvent: 2,
  uiDiscoverTestConnectionEvent: 2,
};

/**
 * What the UI reports when a step fails. Some name nothing and are kept by the collector; the
 * connection test quotes an address, as real errors do, and is stored as `redacted`. Either way
 * the collector files each under a class (timeout, permission, connection, …).
 */
export const STEP_ERRORS: Readonly<Record<string, string>> = {
  uiDiscoverResourceSelectionEvent: 'access denied: your roles do not allow enrolling resources',
  uiDiscoverIntegrationAwsOidcConnectEvent: 'AccessDenied: not authorized to perform sts:AssumeRoleWithWebIdentity',
  uiDiscoverDatabaseRdsEnrollEvent: 'ThrottlingException: rate exceeded while listing RDS databases',
  uiDiscoverKubeEksEnrollEvent: 'an access entry for the EKS cluster already exists',
  uiDiscoverEc2InstanceSelection: 'EC2 instances not found in the selected region',
  uiDiscoverDeployEice: 'an EC2 Instance Connect Endpoint already exists in the subnet',
  uiDiscoverCreateNode: 'invalid node labels: label keys must be identifiers',
  uiDiscoverDatabaseRegisterEvent: 'a database with this name already exists',
  uiDiscoverDeployServiceEvent: 'timed out waiting for the agent to join the cluster',
  uiDiscoverDatabaseConfigureMtlsEvent: 'x509: certificate signed by unknown authority',
  uiDiscoverDatabaseConfigureIamPolicyEvent: 'invalid IAM policy: the role must allow connecting to the database',
  uiDiscoverPrincipalsConfigureEvent: 'permission denied: cannot update the traits of an SSO user',
  uiDiscoverTestConnectionEvent: 'dial tcp 10.0.3.17:3022: connect: connection refused',
};

export interface WizardPlan {
  resource: ResourceName;
  failAt?: string;
  abortAt?: string;
  runId: string;
  cluster: string;
  user: string;
  sso: boolean;
  teleportVersion: string;
}

export interface WizardStep {
  step: DiscoverStep;
  /** Pauses before the step is reported. */
  weight: number;
  fields: DiscoverFields;
}

/** Why `name` cannot be failed or aborted at for `resource`, or undefined when it can. */
export function stepProblem(resource: ResourceName, name: string): string | undefined {
  const names = flowOf(resource).filter(failable).map(stepName);
  return names.includes(name) ? undefined : `the ${resource} flow has no step "${name}"; expected one of ${names.join(', ')}`;
}

/** The run as the user goes through it: every step passed, up to a failure or an abort if the plan has one. */
export function wizardRun(plan: WizardPlan): WizardStep[] {
  const flow = RESOURCES[plan.resource] as ResourceFlow;
  const run: WizardStep[] = [];
  for (const step of flowOf(plan.resource)) {
    const name = stepName(step);
    const status: DiscoverStatusName = name === plan.failAt ? 'DISCOVER_STATUS_ERROR' : name === plan.abortAt ? 'DISCOVER_STATUS_ABORTED' : 'DISCOVER_STATUS_SUCCESS';
    run.push({
      step,
      weight: run.length === 0 ? 0 : (WEIGHTS[step.member] ?? 1),
      fields: stepFields(plan, flow, status, status === 'DISCOVER_STATUS_ERROR' ? (STEP_ERRORS[step.member] ?? '') : ''),
    });
    // A user who hits an error here gives up, as one who closes the wizard does.
    if (status !== 'DISCOVER_STATUS_SUCCESS') break;
  }
  return run;
}

function stepFields(plan: WizardPlan, flow: ResourceFlow, status: DiscoverStatusName, error: string): DiscoverFields {
  return {
    cluster_name: plan.cluster,
    user_name: plan.user,
    teleport_version: plan.teleportVersion,
    run_id: plan.runId,
    sso: plan.sso,
    resource: flow.resource,
    status,
    error,
    ...flow.extras,
  };
}

/** The step the user was on, reported as aborted: for a run cut short by Ctrl-C. */
export const abortedAt = (step: WizardStep): WizardStep => ({ ...step, fields: { ...step.fields, status: 'DISCOVER_STATUS_ABORTED', error: '' } });
