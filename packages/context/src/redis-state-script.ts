import { ADDRESS_FIELDS, GLOBAL_FIELDS, INCIDENT_PARAMETERS, STATE_PARAMETERS } from "./address-state.ts";
import { AMOUNT_PRIORS, UNUSUAL_AMOUNT_Z } from "./amount-model.ts";

/**
 * The Redis store's whole batch in one atomic script: for each transaction in order, reply with the state
 * before it, then apply it (the same arithmetic as applyObservation in address-state.ts, line for line).
 * One round trip per batch, no interleaving with another worker's batch, and a hash applied before
 * (SET NX marker) is replied to but never applied again.
 *
 * ARGV: prefix, ttlSeconds, hashTtlSeconds, count, then per transaction: hash, from, to, timestamp, valueLog10Eth ('' =
 * none), isCall (1|0), viewNeeded (1|0). Reply per transaction whose view is needed: { applied 0|1, sender fields
 * joined by ',' or '', recipient likewise, pairSeen 0|1, global fields joined by ',', sender's incident marker
 * 'id@timestamp@surprise' or '', recipient's likewise }. Per transaction whose view is not needed (viewNeeded 0,
 * a cached verdict): the integer applied 0|1 alone, not an array; when 0, the SET NX marker is the only key the
 * script touched for it (the repeated cache hit, made cheap: no reads, no state in the reply). When 1, it was
 * applied exactly like any other transaction.
 *
 * Episode members (incidents.ts): each applied transaction is appended as 'hash@timestamp' to its sender's
 * list `e:s:<from>` and, when it is a plain payment from a new sender, to its recipient's `e:r:<to>`; both
 * trimmed to the newest INCIDENT_PARAMETERS.maxMembers and expiring keyTtlSeconds after the last write.
 */
export const OBSERVE_SCRIPT = `
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local hashTtl = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local TAU = ${STATE_PARAMETERS.burstTauSeconds}
local EPISODE_GAP = ${STATE_PARAMETERS.episodeGapSeconds}
local VALUE_ALPHA_MIN = ${STATE_PARAMETERS.valueAlphaMin}
local GLOBAL_ALPHA_MIN = ${STATE_PARAMETERS.globalAlphaMin}
local CLIP_FROM = ${STATE_PARAMETERS.valueClipFrom}
local CLIP_SPREADS = ${STATE_PARAMETERS.valueClipSpreads}
local SPREAD_FLOOR = ${STATE_PARAMETERS.valueSpreadFloor}
local WITHIN_MAX = ${STATE_PARAMETERS.withinSampleMaxCount}
local JUMP_Z = ${STATE_PARAMETERS.jumpZ}
local FIELDS = {${ADDRESS_FIELDS.map((field) => `'${field}'`).join(", ")}}
local MAX_MEMBERS = ${INCIDENT_PARAMETERS.maxMembers}
local MEMBER_TTL = ${INCIDENT_PARAMETERS.keyTtlSeconds}
local GFIELDS = {${GLOBAL_FIELDS.map((field) => `'${field}'`).join(", ")}}

local function fmt(x) return string.format('%.17g', x) end

-- An address is one string value: its fields in FIELDS order, ',' separated, each %.17g (exact round
-- trip). The stored text is the pre-update state the reply needs, so it is replied as read, never re-encoded.
local function decode(text, fields)
  local state = {}
  local i = 1
  for part in string.gmatch(text, '[^,]+') do
    state[fields[i]] = tonumber(part)
    i = i + 1
  end
  for _, field in ipairs(fields) do
    if state[field] == nil then state[field] = 0 end
  end
  return state
end

-- predictAmount and isUnusualAmount of amount-model.ts, line for line.
local P = {
  minSpread = ${AMOUNT_PRIORS.minValueSpread}, inflation = ${AMOUNT_PRIORS.valueSpreadInflation},
  withinDegrees = ${AMOUNT_PRIORS.withinPriorDegrees}, withinCount = ${AMOUNT_PRIORS.withinPriorCount},
  withinSpread = ${AMOUNT_PRIORS.withinPriorSpread}, minBetween = ${AMOUNT_PRIORS.minBetweenShare},
  newCount = ${AMOUNT_PRIORS.newSenderPriorCount}, newMean = ${AMOUNT_PRIORS.newSenderPriorMean},
  newSpread = ${AMOUNT_PRIORS.newSenderPriorSpread}, unusualZ = ${UNUSUAL_AMOUNT_Z}
}
local function amountZ(x, s, g)
  if x == nil or s == nil or s.valueCount < 1 then return nil end
  local n = g.newSenderCount
  local refCenter = (n * g.newSenderMean + P.newCount * P.newMean) / (n + P.newCount)
  local refVar = (n * g.newSenderVar + P.newCount * P.newSpread * P.newSpread) / (n + P.newCount)
  local chainWithin = (g.withinCount * g.withinVar + P.withinCount * P.withinSpread * P.withinSpread)
    / (g.withinCount + P.withinCount)
  local own = s.valueCount
  local degrees = own - 1
  local ownVar = 0
  if own > 1 then ownVar = s.valueVar * own / degrees end
  local sigma2 = (degrees * ownVar + P.withinDegrees * chainWithin) / (degrees + P.withinDegrees)
  local tau2 = math.max(refVar - chainWithin, P.minBetween * refVar)
  local centerVar = 1 / (1 / tau2 + own / sigma2)
  local center = centerVar * (refCenter / tau2 + own * s.valueMean / sigma2)
  local spread = math.max(math.sqrt(sigma2 + centerVar), P.minSpread) + P.inflation
  return (x - center) / spread
end
local function isUnusual(x, s, g)
  local z = amountZ(x, s, g)
  return z ~= nil and z >= P.unusualZ
end

local function empty(ts)
  local state = {}
  for _, field in ipairs(FIELDS) do state[field] = 0 end
  state.firstSeen = ts
  state.outLast = ts
  state.inLast = ts
  return state
end

local function encode(state, fields)
  local parts = {}
  for i, field in ipairs(fields) do parts[i] = fmt(state[field]) end
  return table.concat(parts, ',')
end

local gkey = prefix .. 'g'
local gtext = redis.call('GET', gkey)
local global
if gtext then global = decode(gtext, GFIELDS) else
  global = {}
  for _, field in ipairs(GFIELDS) do global[field] = 0 end
  gtext = encode(global, GFIELDS)
end
local globalChanged = false
local reply = {}
for i = 0, count - 1 do
  local base = 5 + i * 7
  local hash, from, to = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  local ts = tonumber(ARGV[base + 3])
  local x = nil
  if ARGV[base + 4] ~= '' then x = tonumber(ARGV[base + 4]) end
  local isCall = ARGV[base + 5] == '1'
  local viewNeeded = ARGV[base + 6] == '1'

  local fresh = redis.call('SET', prefix .. 'h:' .. hash, '1', 'NX', 'EX', hashTtl)
  local skey = prefix .. 'a:' .. from
  local rkey = prefix .. 'a:' .. to
  local pkey = prefix .. 'p:' .. from .. '>' .. to
  local stext = false
  local rtext = false
  local pairSeen = false
  if fresh or viewNeeded then
    if from ~= '' then stext = redis.call('GET', skey) end
    if to ~= '' then
      if to == from then rtext = stext else rtext = redis.call('GET', rkey) end
    end
    pairSeen = from ~= '' and to ~= '' and redis.call('EXISTS', pkey) == 1
  end
  if viewNeeded then
    if globalChanged then
      gtext = encode(global, GFIELDS)
      globalChanged = false
    end
    local smarker = false
    local rmarker = false
    if from ~= '' then smarker = redis.call('GET', prefix .. 'm:s:' .. from) end
    if to ~= '' then rmarker = redis.call('GET', prefix .. 'm:r:' .. to) end
    reply[i + 1] = { fresh and 1 or 0, stext or '', rtext or '', pairSeen and 1 or 0, gtext, smarker or '', rmarker or '' }
  else
    reply[i + 1] = fresh and 1 or 0
  end

  if fresh then
    local s = nil
    local r = nil
    if from ~= '' then
      if stext then s = decode(stext, FIELDS) else s = empty(ts) end
    end
    if to ~= '' then
      if to == from then r = s elseif rtext then r = decode(rtext, FIELDS) else r = empty(ts) end
    end
    local recipientFresh = to ~= '' and not rtext
    local pairNew = 0
    if s and r and not pairSeen then pairNew = 1 end
    local fanInMember = pairNew == 1 and not isCall
    local unusual = 0
    if fanInMember and isUnusual(x, s, global) then unusual = 1 end
    local jumpZ = nil
    if s then jumpZ = amountZ(x, s, global) end
    local isJump = jumpZ ~= nil and jumpZ >= JUMP_Z

    if s then
      local wasNew = s.outCount == 0
      local gap = 0
      if not wasNew then gap = math.max(0, ts - s.outLast) end
      local t = global.senderTxCount + 1
      local wasNew01 = 0
      if wasNew then wasNew01 = 1 end
      global.newSenderShare = global.newSenderShare + math.max(1 / t, GLOBAL_ALPHA_MIN) * (wasNew01 - global.newSenderShare)
      global.senderTxCount = t
      globalChanged = true
      if gap > EPISODE_GAP then
        s.outPeak = math.max(s.outPeak, s.outEpisodePeak)
        s.outNewPeak = math.max(s.outNewPeak, s.outNewEpisodePeak)
        s.outEpisodePeak = 0
        s.outNewEpisodePeak = 0
      end
      if s.jumpEpisodeCount > 0 and ts - s.jumpLast > EPISODE_GAP then
        s.jumpCount = s.jumpCount + s.jumpEpisodeCount
        s.jumpPeakZ = math.max(s.jumpPeakZ, s.jumpEpisodePeakZ)
        s.jumpEpisodeCount = 0
        s.jumpEpisodePeakZ = 0
      end
      if isJump then
        s.jumpEpisodeCount = s.jumpEpisodeCount + 1
        s.jumpEpisodePeakZ = math.max(s.jumpEpisodePeakZ, jumpZ)
        s.jumpLast = ts
      end
      local decay = math.exp(-gap / TAU)
      s.outBurst = s.outBurst * decay + 1
      s.outEpisodePeak = math.max(s.outEpisodePeak, s.outBurst)
      s.outNewBurst = s.outNewBurst * decay + pairNew
      s.outNewEpisodePeak = math.max(s.outNewEpisodePeak, s.outNewBurst)
      s.outDistinct = s.outDistinct + pairNew
      if recipientFresh and r then s.outFresh = s.outFresh + 1 end
      if wasNew then s.outLast = ts else s.outLast = math.max(s.outLast, ts) end
      s.outCount = s.outCount + 1
      if x and not isJump then
        local seen = s.valueCount
        if seen >= 1 and seen <= WITHIN_MAX then
          local m = global.withinCount + 1
          local beta = math.max(1 / m, GLOBAL_ALPHA_MIN)
          local residual2 = (x - s.valueMean) * (x - s.valueMean) * seen / (seen + 1)
          global.withinVar = global.withinVar + beta * (residual2 - global.withinVar)
          global.withinCount = m
          globalChanged = true
        end
        local n = s.valueCount + 1
        local alpha = math.max(1 / n, VALUE_ALPHA_MIN)
        local delta = x - s.valueMean
        if seen >= CLIP_FROM then
          local limit = CLIP_SPREADS * math.max(math.sqrt(s.valueVar), SPREAD_FLOOR)
          delta = math.max(-limit, math.min(limit, delta))
        end
        s.valueMean = s.valueMean + alpha * delta
        s.valueVar = (1 - alpha) * (s.valueVar + alpha * delta * delta)
        s.valueCount = n
        if wasNew then
          local m = global.newSenderCount + 1
          local beta = math.max(1 / m, GLOBAL_ALPHA_MIN)
          local d = x - global.newSenderMean
          global.newSenderMean = global.newSenderMean + beta * d
          global.newSenderVar = (1 - beta) * (global.newSenderVar + beta * d * d)
          global.newSenderCount = m
          globalChanged = true
        end
      end
    end
    if r then
      local m = global.recipientCount + 1
      local beta = math.max(1 / m, GLOBAL_ALPHA_MIN)
      local fresh01 = 0
      if recipientFresh then fresh01 = 1 end
      global.freshRecipientShare = global.freshRecipientShare + beta * (fresh01 - global.freshRecipientShare)
      global.recipientCount = m
      globalChanged = true
      local wasNew = r.inCount == 0
      local gap = 0
      if not wasNew then gap = math.max(0, ts - r.inLast) end
      if gap > EPISODE_GAP then
        r.inNewPeak = math.max(r.inNewPeak, r.inNewEpisodePeak)
        r.inNewEpisodePeak = 0
      end
      local decay = math.exp(-gap / TAU)
      local paymentNew = pairNew
      if isCall then paymentNew = 0 end
      r.inNewBurst = r.inNewBurst * decay + paymentNew
      r.inUnusualBurst = r.inUnusualBurst * decay + unusual
      if fanInMember then
        local f = global.fanInPaymentCount + 1
        global.unusualShare = global.unusualShare + math.max(1 / f, GLOBAL_ALPHA_MIN) * (unusual - global.unusualShare)
        global.fanInPaymentCount = f
      end
      r.inNewEpisodePeak = math.max(r.inNewEpisodePeak, r.inNewBurst)
      r.inDistinct = r.inDistinct + pairNew
      if wasNew then r.inLast = ts else r.inLast = math.max(r.inLast, ts) end
      r.inCount = r.inCount + 1
    end
    if s then redis.call('SET', skey, encode(s, FIELDS), 'EX', ttl) end
    if r and to ~= from then redis.call('SET', rkey, encode(r, FIELDS), 'EX', ttl) end
    if from ~= '' and to ~= '' then redis.call('SET', pkey, '1', 'EX', ttl) end
    local member = hash .. '@' .. ARGV[base + 3]
    if from ~= '' then
      local ekey = prefix .. 'e:s:' .. from
      redis.call('RPUSH', ekey, member)
      redis.call('LTRIM', ekey, -MAX_MEMBERS, -1)
      redis.call('EXPIRE', ekey, MEMBER_TTL)
    end
    if from ~= '' and to ~= '' and not pairSeen and not isCall then
      local ekey = prefix .. 'e:r:' .. to
      redis.call('RPUSH', ekey, member)
      redis.call('LTRIM', ekey, -MAX_MEMBERS, -1)
      redis.call('EXPIRE', ekey, MEMBER_TTL)
    end
  end
end
if globalChanged then gtext = encode(global, GFIELDS) end
redis.call('SET', gkey, gtext)
return reply
`;

/**
 * Opens (or extends) incidents: sets each side's marker and replies with its episode members, oldest first.
 * ARGV: prefix, markerTtlSeconds, count, then per opening: side ('s'|'r'), address, incident id,
 * 'triggerTimestamp@surprise'. Reply per opening: the list's 'hash@timestamp' entries.
 */
export const OPEN_INCIDENTS_SCRIPT = `
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local reply = {}
for i = 0, count - 1 do
  local base = 4 + i * 4
  local side, address = ARGV[base], ARGV[base + 1]
  redis.call('SET', prefix .. 'm:' .. side .. ':' .. address, ARGV[base + 2] .. '@' .. ARGV[base + 3], 'EX', ttl)
  reply[i + 1] = redis.call('LRANGE', prefix .. 'e:' .. side .. ':' .. address, 0, -1)
end
return reply
`;
