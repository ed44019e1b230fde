/**
 * The cluster's Lua scripts: each runs atomically in Redis, so a check and the change it guards
 * (a claim, a lock, a reservation) cannot be split by another node's request. Every script
 * takes the key prefix as ARGV[1] and builds its keys from it (keys.ts lists them), which ties
 * the cluster to one Redis (or a Sentinel-managed primary), not to Redis Cluster.
 *
 * A presence entry is `SEQ|NODE|JSON`: the login sequence number (for login order), the node that
 * holds the session, and the user as JSON (presence.ts's ActiveUser).
 */
const OWNER = `local function owner(v) return string.match(v, '^%d+|([^|]*)|') end`;

export const CLUSTER_SCRIPTS = {
  /** ARGV: prefix, user, node, json. 1 if claimed, 0 if someone holds the name. */
  tsClaim: `
local P, user, node = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HEXISTS', P..'presence', user) == 1 then return 0 end
local seq = redis.call('INCR', P..'presence:seq')
redis.call('HSET', P..'presence', user, seq..'|'..node..'|'..ARGV[4])
redis.call('SADD', P..'node:'..node..':users', user)
return 1`,

  /** ARGV: prefix, user, node. Releases the name only if this node holds it. */
  tsRelease: `${OWNER}
local P, user, node = ARGV[1], ARGV[2], ARGV[3]
local v = redis.call('HGET', P..'presence', user)
redis.call('SREM', P..'node:'..node..':users', user)
if v and owner(v) == node then redis.call('HDEL', P..'presence', user) return 1 end
return 0`,

  /**
   * ARGV: prefix, node, expiryMs. Renews this node's liveness key and reaps every node whose key
   * expired: their users leave presence. Returns {renewed (1: the key was still there), reaped
   * as NODE|USER...}.
   */
  tsBeat: `${OWNER}
local P, node = ARGV[1], ARGV[2]
local was = redis.call('SET', P..'node:'..node, '1', 'PX', ARGV[3], 'GET')
redis.call('SADD', P..'nodes', node)
local reaped = {}
for _, other in ipairs(redis.call('SMEMBERS', P..'nodes')) do
  if other ~= node and redis.call('EXISTS', P..'node:'..other) == 0 then
    for _, u in ipairs(redis.call('SMEMBERS', P..'node:'..other..':users')) do
      local v = redis.call('HGET', P..'presence', u)
      if v and owner(v) == other then
        redis.call('HDEL', P..'presence', u)
        table.insert(reaped, other..'|'..u)
      end
    end
    redis.call('DEL', P..'node:'..other..':users')
    redis.call('SREM', P..'nodes', other)
  end
end
return {was and 1 or 0, reaped}`,

  /**
   * ARGV: prefix, node, then USER, JSON pairs: the users this node really holds. Makes the
   * cluster's presence agree (after a restart of the node, a Redis restart, or an outage longer
   * than the expiry): this node's other entries go, missing ones come back. Returns the users
   * another node took meanwhile (conflicts).
   */
  tsSync: `${OWNER}
local P, node = ARGV[1], ARGV[2]
local mine = {}
for i = 3, #ARGV, 2 do mine[ARGV[i]] = ARGV[i + 1] end
local members = P..'node:'..node..':users'
for _, u in ipairs(redis.call('SMEMBERS', members)) do
  if not mine[u] then
    local v = redis.call('HGET', P..'presence', u)
    if v and owner(v) == node then redis.call('HDEL', P..'presence', u) end
    redis.call('SREM', members, u)
  end
end
local conflicts = {}
for i = 3, #ARGV, 2 do
  local u = ARGV[i]
  local v = redis.call('HGET', P..'presence', u)
  if not v then
    local seq = redis.call('INCR', P..'presence:seq')
    redis.call('HSET', P..'presence', u, seq..'|'..node..'|'..ARGV[i + 1])
    redis.call('SADD', members, u)
  elseif owner(v) ~= node then
    table.insert(conflicts, u)
  else
    redis.call('SADD', members, u)
  end
end
return conflicts`,

  /** ARGV: prefix, user, maxFailures, blockMs, rememberMs. 'lockedNow' or 'stillOpen'. */
  tsFail: `
local P, user = ARGV[1], ARGV[2]
if redis.call('EXISTS', P..'lock:'..user) == 1 then return 'lockedNow' end
local n = redis.call('INCR', P..'fail:'..user)
redis.call('PEXPIRE', P..'fail:'..user, ARGV[5])
if n >= tonumber(ARGV[3]) then
  redis.call('SET', P..'lock:'..user, '1', 'PX', ARGV[4])
  redis.call('DEL', P..'fail:'..user)
  return 'lockedNow'
end
return 'stillOpen'`,

  /**
   * ARGV: prefix, address key, burst, tokens per second, 'take' or 'give'. A token bucket per
   * address on Redis's clock (the same for every node). -1: allowed (or given back); otherwise
   * the seconds until the address may try again.
   */
  tsThrottle: `
local P = ARGV[1]
local key = P..'throttle:'..ARGV[2]
local burst, rate = tonumber(ARGV[3]), tonumber(ARGV[4]) / 1000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(h[1]) or burst
local at = tonumber(h[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local result = -1
if ARGV[5] == 'take' then
  if tokens >= 1 then tokens = tokens - 1 else result = math.ceil((1 - tokens) / rate / 1000) end
else
  tokens = math.min(burst, tokens + 1)
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate) + 1000)
return result`,

  /** ARGV: prefix, name, maxGroups, holdMs. 'ok', 'GroupExists' or 'TooManyGroups'. */
  tsReserve: `
local P, name = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', P..'groups:reserved', '-inf', now)
if redis.call('HEXISTS', P..'groups', name) == 1 or redis.call('ZSCORE', P..'groups:reserved', name) then
  return 'GroupExists'
end
if redis.call('HLEN', P..'groups') + redis.call('ZCARD', P..'groups:reserved') >= tonumber(ARGV[3]) then
  return 'TooManyGroups'
end
redis.call('ZADD', P..'groups:reserved', now + tonumber(ARGV[4]), name)
return 'ok'`,

  /** ARGV: prefix, name, members JSON, invitees... Commits a reserved group. */
  tsCommit: `
local P, name = ARGV[1], ARGV[2]
redis.call('HSET', P..'groups', name, ARGV[3])
local seq = redis.call('INCR', P..'groups:seq')
for i = 4, #ARGV do redis.call('ZADD', P..'invites:'..ARGV[i], seq, name) end
redis.call('ZREM', P..'groups:reserved', name)
return 1`,

  /** ARGV: prefix, name, user. {'ok', members JSON} or {error type}. */
  tsJoin: `
local P, name, user = ARGV[1], ARGV[2], ARGV[3]
local v = redis.call('HGET', P..'groups', name)
if not v then return {'GroupNotFound'} end
local members = cjson.decode(v)
for _, m in ipairs(members) do
  if m[1] == user then
    if m[2] == 'joined' then return {'AlreadyJoined'} end
    m[2] = 'joined'
    local encoded = cjson.encode(members)
    redis.call('HSET', P..'groups', name, encoded)
    redis.call('ZREM', P..'invites:'..user, name)
    return {'ok', encoded}
  end
end
return {'NotInvited'}`,

  /** ARGV: prefix, user. GROUP, CREATOR pairs of the open invitations, oldest first. */
  tsInvitations: `
local P, user = ARGV[1], ARGV[2]
local out = {}
for _, name in ipairs(redis.call('ZRANGE', P..'invites:'..user, 0, -1)) do
  local v = redis.call('HGET', P..'groups', name)
  if v then
    table.insert(out, name)
    table.insert(out, cjson.decode(v)[1][1])
  end
end
return out`,

  /** ARGV: prefix. Groups that exist or are being created. */
  tsCountGroups: `
local P = ARGV[1]
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', P..'groups:reserved', '-inf', tonumber(t[1]) * 1000)
return redis.call('HLEN', P..'groups') + redis.call('ZCARD', P..'groups:reserved')`,

  /** ARGV: prefix, presenter, audience, transfer JSON, max per user, rememberMs. */
  tsIntroduce: `
local P = ARGV[1]
local seq = redis.call('INCR', P..'xfer:seq')
for _, user in ipairs({ARGV[2], ARGV[3]}) do
  local key = P..'xfer:'..user
  redis.call('ZADD', key, seq, ARGV[4])
  redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[5]) + 1))
  redis.call('PEXPIRE', key, ARGV[6])
end
return 1`,

  /** ARGV: prefix, user. Takes every transfer of the user, from both sides; returns their JSON. */
  tsTakeTransfers: `
local P, user = ARGV[1], ARGV[2]
local key = P..'xfer:'..user
local all = redis.call('ZRANGE', key, 0, -1)
redis.call('DEL', key)
for _, json in ipairs(all) do
  local t = cjson.decode(json)
  local other = t.presenter == user and t.audience or t.presenter
  redis.call('ZREM', P..'xfer:'..other, json)
end
return all`,
} as const;

export type ScriptName = keyof typeof CLUSTER_SCRIPTS;
