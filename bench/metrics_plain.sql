-- The aggregates behind every `rapport metrics` metric, written by hand in DuckDB SQL.
-- bench/metrics.py runs this file as the "plain pass with the same aggregates": a competent
-- hand-optimised baseline (shared pieces kept in temporary tables, as one would by hand) to
-- compare rapport's Ibis-compiled command with. Definitions follow docs/metrics.md; the
-- account is the only own account, the period is all data. Statements end with ';' on their
-- own line so the runner can split them.

CREATE TEMP TABLE own AS SELECT account_id FROM accounts WHERE role = 'own'
;
CREATE TEMP TABLE orig AS
SELECT p.*, coalesce(p.content_kind, t.content_kind) AS kind
FROM posts p LEFT JOIN post_text t USING (post_id)
WHERE p.account_id IN (SELECT account_id FROM own)
  AND p.in_reply_to_id IS NULL AND p.repost_of IS NULL
;
CREATE TEMP VIEW acts AS
SELECT * FROM interactions WHERE account_id IN (SELECT account_id FROM own)
;
CREATE TEMP TABLE eng AS
SELECT person_id, kind, post_id, occurred_at, epoch(occurred_at) AS s FROM acts
WHERE kind IN ('like','repost','quote','reply','mention','save','share')
  AND person_id IS NOT NULL AND occurred_at IS NOT NULL
;
CREATE TEMP TABLE data_end AS
SELECT greatest((SELECT max(created_at) FROM posts WHERE account_id IN (SELECT account_id FROM own)),
                (SELECT max(occurred_at) FROM acts)) AS t
;
-- engagement per post and followers at posting time
CREATE TEMP TABLE per_post AS
WITH c AS (SELECT post_id,
                  count(*) FILTER (WHERE kind = 'like') AS likes,
                  count(*) FILTER (WHERE kind = 'repost') AS reposts,
                  count(*) FILTER (WHERE kind = 'reply') AS replies,
                  count(*) FILTER (WHERE kind = 'quote') AS quotes
           FROM acts WHERE post_id IS NOT NULL GROUP BY post_id),
f AS (SELECT o.post_id,
             coalesce(arg_max(fc.followers, fc.observed_at) FILTER (WHERE fc.observed_at <= o.created_at),
                      arg_min(fc.followers, fc.observed_at) FILTER (WHERE fc.observed_at > o.created_at)) AS followers
      FROM orig o JOIN follower_counts fc USING (account_id) GROUP BY o.post_id)
SELECT o.post_id, o.created_at, o.kind, coalesce(likes, 0) AS likes, coalesce(reposts, 0) AS reposts,
       coalesce(replies, 0) AS replies, coalesce(quotes, 0) AS quotes,
       coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(replies, 0) + coalesce(quotes, 0) AS e,
       f.followers, (coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(replies, 0)
                     + coalesce(quotes, 0)) / nullif(f.followers, 0)::DOUBLE AS rate
FROM orig o LEFT JOIN c USING (post_id) LEFT JOIN f USING (post_id)
;
-- engagement
SELECT (SELECT arg_max(followers, observed_at) FROM follower_counts
        WHERE account_id IN (SELECT account_id FROM own)),
       sum(likes), median(rate), quantile_cont(rate, 0.25), quantile_cont(rate, 0.75),
       avg(likes), stddev(likes), avg(reposts), stddev(reposts), avg(replies), stddev(replies)
FROM per_post
;
-- community: people, weeks, core community, love scores
CREATE TEMP TABLE person_weeks AS
SELECT DISTINCT person_id, floor((s / 86400 + 3) / 7)::BIGINT AS week FROM eng
;
CREATE TEMP TABLE weeks_per_person AS
SELECT person_id, count(*) AS weeks FROM person_weeks GROUP BY person_id
;
SELECT count(*), count(*) FILTER (WHERE weeks >= 2) FROM weeks_per_person
;
SELECT count(*) FILTER (WHERE w >= 2), count(*) FROM (
  SELECT person_id, count(DISTINCT floor((s / 86400 + 3) / 7)) AS w FROM eng
  WHERE occurred_at > (SELECT t FROM data_end) - INTERVAL 90 DAY GROUP BY person_id)
;
WITH scored AS (
  SELECT person_id, count(*) AS n, max(occurred_at) AS last,
         sum(CASE kind WHEN 'reply' THEN 3 WHEN 'quote' THEN 3 WHEN 'repost' THEN 2
                       WHEN 'share' THEN 2 WHEN 'mention' THEN 2 ELSE 1 END
             * exp(-((SELECT epoch(t) FROM data_end) - s) / 86400 * ln(2) / 30)) AS love
  FROM eng GROUP BY person_id)
SELECT count(*) FILTER (WHERE love >= 8), count(*) FILTER (WHERE love >= 3 AND love < 8),
       count(*) FILTER (WHERE love >= 1 AND love < 3), count(*)
FROM scored JOIN weeks_per_person USING (person_id)
;
-- retention: monthly cohorts, new followers at 30 and 90 days
CREATE TEMP TABLE person_months AS
SELECT DISTINCT person_id, year(occurred_at) * 12 + month(occurred_at) - 1 AS month FROM eng
;
WITH first AS (SELECT person_id, min(month) AS cohort FROM person_months GROUP BY person_id),
per_person AS (
  SELECT person_id, cohort, bool_or(month > cohort) AS later, bool_or(month = cohort + 1) AS next
  FROM person_months JOIN first USING (person_id) GROUP BY ALL),
last AS (SELECT year(t) * 12 + month(t) - 1 AS m FROM data_end)
SELECT count(*) FILTER (WHERE later), count(*) FILTER (WHERE next), count(*)
FROM per_person WHERE cohort < (SELECT m FROM last)
;
WITH cohorts AS (
  SELECT cohort, month - cohort AS k, count(DISTINCT person_id) AS people
  FROM person_months JOIN (SELECT person_id, min(month) AS cohort FROM person_months GROUP BY 1)
  USING (person_id) GROUP BY ALL)
SELECT count(*) FROM cohorts
;
WITH f AS (SELECT person_id, account_id, occurred_at AS t FROM acts
           WHERE kind = 'follow' AND person_id IS NOT NULL AND occurred_at IS NOT NULL),
u AS (SELECT person_id, account_id, occurred_at AS t FROM interactions
      WHERE kind = 'unfollow' AND occurred_at IS NOT NULL)
SELECT count(*) FILTER (WHERE f.t <= (SELECT t FROM data_end) - INTERVAL 30 DAY AND NOT EXISTS (
         SELECT 1 FROM u WHERE u.person_id = f.person_id AND u.account_id = f.account_id
         AND u.t >= f.t AND u.t < f.t + INTERVAL 30 DAY)),
       count(*) FILTER (WHERE f.t <= (SELECT t FROM data_end) - INTERVAL 30 DAY),
       count(*) FILTER (WHERE f.t <= (SELECT t FROM data_end) - INTERVAL 90 DAY AND NOT EXISTS (
         SELECT 1 FROM u WHERE u.person_id = f.person_id AND u.account_id = f.account_id
         AND u.t >= f.t AND u.t < f.t + INTERVAL 90 DAY)),
       count(*) FILTER (WHERE f.t <= (SELECT t FROM data_end) - INTERVAL 90 DAY)
FROM f
;
-- reciprocity
CREATE TEMP TABLE asked AS
WITH first_answer AS (
  SELECT in_reply_to_id AS id, min(created_at) AS answered_at FROM posts
  WHERE account_id IN (SELECT account_id FROM own) AND in_reply_to_id IS NOT NULL GROUP BY 1)
SELECT a.interaction_id, a.person_id, a.occurred_at, a.text, f.answered_at,
       (epoch(f.answered_at) - epoch(a.occurred_at)) / 3600 AS hours
FROM acts a LEFT JOIN first_answer f ON f.id = a.interaction_id
WHERE a.kind IN ('reply', 'mention')
;
SELECT count(answered_at) / count(*), median(hours), quantile_cont(hours, 0.9),
       count(*) - count(answered_at),
       count(DISTINCT person_id) FILTER (WHERE answered_at IS NULL), count(DISTINCT person_id)
FROM asked
;
SELECT count(*) FILTER (WHERE q.is_question AND answered_at IS NOT NULL),
       count(*) FILTER (WHERE q.is_question)
FROM asked LEFT JOIN interaction_text q USING (interaction_id)
;
WITH qp AS (SELECT post_id FROM orig WHERE kind = 'question'),
answers AS (SELECT post_id, count(*) AS n FROM acts
            WHERE kind IN ('reply', 'quote') AND post_id IN (SELECT post_id FROM qp) GROUP BY 1)
SELECT avg(coalesce(n, 0)), stddev(coalesce(n, 0)), count(*) FILTER (WHERE n > 0)
FROM qp LEFT JOIN answers USING (post_id)
;
WITH first AS (
  SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY occurred_at,
                                               interaction_id) AS r
                 FROM asked WHERE person_id IS NOT NULL AND occurred_at IS NOT NULL)
  WHERE r = 1 AND occurred_at <= (SELECT t FROM data_end) - INTERVAL 60 DAY),
outcome AS (
  SELECT f.person_id, f.answered_at IS NOT NULL AS answered,
         count(e.s) FILTER (WHERE e.occurred_at > f.occurred_at
                            AND e.occurred_at <= f.occurred_at + INTERVAL 60 DAY) > 0 AS back
  FROM first f LEFT JOIN eng e ON e.person_id = f.person_id GROUP BY ALL)
SELECT avg(back::INT) FILTER (WHERE answered), count(*) FILTER (WHERE answered),
       avg(back::INT) FILTER (WHERE NOT answered), count(*) FILTER (WHERE NOT answered)
FROM outcome
;
-- promotion: share, engagement of promotions, unfollows after posts
SELECT count(*) FILTER (WHERE kind = 'promo') / count(*),
       avg(rate) FILTER (WHERE kind = 'promo'), var_samp(rate) FILTER (WHERE kind = 'promo'),
       avg(rate) FILTER (WHERE kind <> 'promo'), var_samp(rate) FILTER (WHERE kind <> 'promo')
FROM per_post
;
WITH timeline AS (
  SELECT account_id, created_at AS ts, 0 AS unfollow FROM orig WHERE kind IS NOT NULL
  UNION ALL SELECT account_id, occurred_at, 1 FROM acts WHERE kind = 'unfollow' AND occurred_at IS NOT NULL),
marked AS (
  SELECT *, max(CASE WHEN unfollow = 0 THEN ts END) OVER (
             PARTITION BY account_id ORDER BY ts, unfollow ROWS UNBOUNDED PRECEDING) AS last_ts
  FROM timeline),
counted AS (SELECT account_id, last_ts, count(*) AS n FROM marked
            WHERE unfollow = 1 AND ts < last_ts + INTERVAL 48 HOUR GROUP BY ALL)
SELECT avg(coalesce(n, 0)) FILTER (WHERE o.kind = 'promo'),
       avg(coalesce(n, 0)) FILTER (WHERE o.kind <> 'promo')
FROM orig o LEFT JOIN counted c ON c.account_id = o.account_id AND c.last_ts = o.created_at
WHERE o.kind IS NOT NULL AND o.created_at <= (SELECT t FROM data_end) - INTERVAL 48 HOUR
;
-- consistency
WITH gaps AS (SELECT (epoch(created_at) - epoch(lag(created_at) OVER (ORDER BY created_at))) / 86400 AS g
              FROM orig)
SELECT (SELECT count(*) FROM orig),
       (SELECT count(*) / greatest((epoch((SELECT t FROM data_end)) - epoch(min(created_at))) / 86400, 7) * 7 FROM orig),
       max(g), stddev(g) / avg(g),
       (SELECT (epoch((SELECT t FROM data_end)) - epoch(max(created_at))) / 86400 FROM orig),
       (SELECT count(DISTINCT date_trunc('week', created_at)) FROM orig)
FROM gaps
;
-- content: kinds, half-life and evergreen share
SELECT kind, count(*), avg(rate), stddev(rate) FROM per_post GROUP BY kind
;
WITH d AS (SELECT e.post_id, (e.s - epoch(o.created_at)) / 3600 AS h
           FROM eng e JOIN orig o USING (post_id) WHERE e.kind IN ('like','repost','reply','quote')),
b AS (SELECT post_id, CASE WHEN h < 168 THEN floor(h) ELSE 168 + floor((h - 168) / 24) END AS bucket,
             count(*) AS n FROM d GROUP BY ALL),
r AS (SELECT *, sum(n) OVER (PARTITION BY post_id ORDER BY bucket ROWS UNBOUNDED PRECEDING) AS cum,
             sum(n) OVER (PARTITION BY post_id) AS total FROM b),
p AS (SELECT post_id, max(total) AS total, min(bucket + 1) FILTER (WHERE cum >= total * 0.5) AS half,
             sum(n) FILTER (WHERE bucket >= 168) AS late FROM r GROUP BY post_id)
SELECT median(half), avg(coalesce(late, 0) / total) FROM p WHERE total >= 5
;
-- audience
SELECT count(DISTINCT person_id) FILTER (WHERE r.relevant), count(DISTINCT person_id),
       count(*) FILTER (WHERE r.relevant), count(*)
FROM eng JOIN relevance r ON r.subject = 'bio' AND r.key = eng.person_id
;
-- conversions
WITH per AS (SELECT post_id, count(*) AS n FROM conversions WHERE post_id IS NOT NULL GROUP BY 1)
SELECT (SELECT count(*) FROM conversions), (SELECT count(post_id) FROM conversions),
       (SELECT sum(value) FROM conversions), avg(coalesce(n, 0)),
       sum(coalesce(n, 0)) * 1000.0 / sum(e)
FROM per_post LEFT JOIN per USING (post_id)
;
-- sentiment
SELECT avg(t.sentiment), stddev(t.sentiment), count(*) FILTER (WHERE t.sentiment_label = 'positive'),
       count(*) FILTER (WHERE t.sentiment_label = 'negative'), count(*)
FROM acts a JOIN interaction_text t USING (interaction_id)
WHERE a.kind IN ('reply', 'mention', 'quote') AND t.sentiment IS NOT NULL
;
-- timing
SELECT hour(created_at) AS h, count(*), avg(rate), stddev(rate) FROM per_post GROUP BY h
;
SELECT isodow(created_at) AS d, count(*), avg(rate), stddev(rate) FROM per_post GROUP BY d
;
