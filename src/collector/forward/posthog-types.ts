/**
 * The shape of a PostHog event as the forwarder sends it, and the part each family supplies: in a
 * file of their own, so that the families (families/) and the mapper that dispatches to them
 * (posthog-event.ts) both import these and not each other.
 */
type PostHogScalar = string | number | boolean;
/** Objects nest: `$set` carries person properties, `$groups` the group keys, `tp.records` a map of records. */
export type PostHogValue = PostHogScalar | PostHogValue[] | { [key: string]: PostHogValue };
export type PostHogProperties = Record<string, PostHogValue>;

export interface PostHogEvent {
  event: string;
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: PostHogProperties;
}

/** What a family supplies; uuid and the privacy properties are added for it. */
export type FamilyEvent = Omit<PostHogEvent, 'uuid'>;
