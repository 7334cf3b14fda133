/** Which side a process plays where node:cluster does not say (NATS, a socket path): the option, else `CLUSTER_RPC_ROLE`. @module */

/** `role`, or the environment's `CLUSTER_RPC_ROLE` when none is given; a `TypeError` naming `transport` otherwise. */
export function checkRole(role: unknown, transport: string): 'primary' | 'worker' {
  const side = role ?? process.env.CLUSTER_RPC_ROLE;
  if (side === 'primary' || side === 'worker') return side;
  throw new TypeError(
    role === undefined
      ? `${transport}: role must be 'primary' or 'worker'; none was given and CLUSTER_RPC_ROLE is ${JSON.stringify(process.env.CLUSTER_RPC_ROLE) ?? 'not set'}`
      : `${transport}: role must be 'primary' or 'worker', got ${JSON.stringify(role)}`,
  );
}
