"""A day in Stripe: trials end, subscriptions change seats, customers ask to cancel, cancelled
subscriptions end at their period end, paying subscriptions renew (a new period, billed in
advance), now and then a webhook from last month arrives late; and the day's FX rates.

Each change is a `customer.subscription.updated`/`deleted` event carrying the full subscription
at that moment, plus the subscription object's new version (the current state), both patched
from the latest delivered version so their shape is the initial export's.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from generator.accounts import COUNTRY_TAX_RATE
from generator.common import DAY, NONE, add_months, stream, whole_months_between
from generator.daily_state import (
    CATALOG,
    Landing,
    epoch_day,
    file_rank,
    office_time,
    reader,
)
from generator.writers import LandingWriter

# Change kinds, at most one per subscription and day (earlier kinds win).
CONVERT, FAIL, END, LATE_SEATS, CANCEL, SEATS = range(6)
DELETING = (FAIL, END)
TRIAL_CONVERSION = 0.55  # trials ending today that become paying
SEAT_CHANGE_RATE = 0.004  # per active subscription and day (~12% a month)
CANCEL_RATE = 0.001  # per active subscription and day: asks to cancel at period end
LATE_EVENT_DAY_SHARE = 0.25  # days on which one event from last month is delivered late
FX_CENTRE = np.log([0.92, 1.17])  # EUR per USD, GBP, as in invoices.fx_rates
FX_REVERSION, FX_SHOCK = 0.01, 0.0035


def write_billing_day(w: LandingWriter, landing: Landing, day: date, seed: int) -> None:
    rng = stream(seed, f"daily-billing-{day.isoformat()}")
    _subscriptions(w, landing, day, rng)
    _fx(w, landing, day, rng)


def _subscriptions(w: LandingWriter, landing: Landing, day: date, rng: np.random.Generator) -> None:
    start = epoch_day(day)
    subs_files = landing.files("billing_subscriptions", day)
    event_files = landing.files("billing_subscription_events", day)
    w.con.execute(f"""
        create or replace temp table _subs as
        with latest as (
            select json, json->>'$.id' as id
            from {reader(CATALOG["billing_subscriptions"], subs_files)}
            qualify row_number() over (
                partition by json->>'$.id' order by {file_rank(subs_files)} desc) = 1
        ),
        last_event as (
            -- One parse per event for both fields: events are the largest billing export.
            select fields[1] as id, max(fields[2]::bigint) as at
            from (
                select json_extract_string(json, ['$.data.object.id', '$.created']) as fields
                from {reader(CATALOG["billing_subscription_events"], event_files)}
            )
            group by 1
        )
        select row_number() over (order by l.id) - 1 as k, l.json, l.id,
            list_position(['trialing', 'active', 'past_due', 'canceled'],
                l.json->>'$.status') - 1 as status,
            (l.json->>'$.cancel_at_period_end')::boolean as cancel_requested,
            coalesce((l.json->>'$.canceled_at')::bigint, -1) as canceled_at,
            coalesce((l.json->>'$.trial_end')::bigint, -1) as trial_end,
            coalesce((l.json->>'$.trial_end')::bigint, (l.json->>'$.start_date')::bigint)
                as anchor,
            case l.json->>'$.items.data[0].price.recurring.interval' when 'year' then 12
                else (l.json->>'$.items.data[0].price.recurring.interval_count')::bigint end
                as months,
            (l.json->>'$.items.data[0].quantity')::bigint as qty,
            coalesce(e.at, -1) as last_event
        from latest as l left join last_event as e on e.id = l.id
        order by l.id""")
    s = w.con.execute(
        "select status, cancel_requested, canceled_at, trial_end, anchor, months, qty, last_event "
        "from _subs order by k"
    ).fetchnumpy()
    n = len(s["status"])
    status = s["status"].astype(np.int64)
    kind = np.full(n, NONE)
    at = np.full(n, NONE)
    today = (s["trial_end"] >= start) & (s["trial_end"] < start + DAY) & (status == 0)
    converts = rng.random(n) < TRIAL_CONVERSION
    _assign(kind, at, today & converts, CONVERT, s["trial_end"])
    _assign(kind, at, today & ~converts, FAIL, s["trial_end"])
    paying = np.isin(status, (1, 2))
    requested = paying & s["cancel_requested"] & (s["canceled_at"] != NONE)
    months = s["months"].astype(np.int64)
    periods = whole_months_between(s["anchor"], np.maximum(s["canceled_at"], s["anchor"]))
    period_end = add_months(s["anchor"], (periods // months + 1) * months)
    _assign(
        kind, at, requested & (period_end >= start) & (period_end < start + DAY), END, period_end
    )
    steady = (status == 1) & ~s["cancel_requested"] & (kind == NONE)
    month_start = _month_start(day)
    previous_month = _month_start(month_start - timedelta(days=1))
    late_low, late_high = epoch_day(previous_month), epoch_day(month_start)
    quiet = np.flatnonzero(steady & (s["last_event"] < late_low))
    if len(quiet) and rng.random() < LATE_EVENT_DAY_SHARE:
        pick = quiet[rng.integers(0, len(quiet))]
        moment = late_low + int(rng.random() * (late_high - late_low))
        _assign(kind, at, np.arange(n) == pick, LATE_SEATS, np.full(n, moment))
    steady &= kind == NONE
    office = office_time(rng, start, n)
    _assign(kind, at, steady & (rng.random(n) < CANCEL_RATE), CANCEL, office)
    _assign(kind, at, steady & (kind == NONE) & (rng.random(n) < SEAT_CHANGE_RATE), SEATS, office)
    # Seat moves: mostly expansion, one to three seats, never below one seat.
    step = rng.integers(1, 4, n) * np.where(rng.random(n) < 0.7, 1, -1)
    qty = np.maximum(s["qty"].astype(np.int64) + step, 1)
    _renewals(w, landing, day, kind, months)
    changed = np.flatnonzero(kind != NONE)
    if not len(changed):
        return
    by_time = changed[np.lexsort((changed, at[changed]))]
    first_event = _next_event_number(w, landing, day)
    w.register(
        "_sub_changes",
        {
            "k": by_time,
            "kind": kind[by_time],
            "at": at[by_time],
            "qty": qty[by_time],
            "number": first_event + np.arange(len(by_time), dtype=np.int64),
        },
    )
    items = """to_json(list_transform((s.json->'$.items.data')::json[], (item, i) ->
        case when i = 1 then json_merge_patch(item, json_object('quantity', c.qty))
        else item end))"""
    w.con.execute(f"""
        create or replace temp table _sub_versions as
        select c.number, s.id, c.kind, c.at as moment, json_merge_patch(s.json, case c.kind
            when {CONVERT} then json_object('status', 'active')
            when {FAIL} then json_object('status', 'canceled', 'canceled_at', c.at,
                'ended_at', c.at)
            when {END} then json_object('status', 'canceled', 'ended_at', c.at)
            when {CANCEL} then json_object('cancel_at_period_end', true, 'canceled_at', c.at)
            else json_object('items', json_object('object', 'list', 'data', {items})) end)
            as snapshot
        from _sub_changes as c join _subs as s on s.k = c.k""")
    deleting = ", ".join(str(k) for k in DELETING)
    w.write_json_text("billing", "subscriptions", "select snapshot from _sub_versions order by id")
    w.write_json_text(
        "billing",
        "subscription_events",
        f"""select json_object('id', 'evt_' || lpad(number::varchar, 10, '0'),
                'object', 'event',
                'type', 'customer.subscription.'
                    || case when kind in ({deleting}) then 'deleted' else 'updated' end,
                'created', moment, 'data', json_object('object', snapshot))
        from _sub_versions order by number""",
    )


def _renewals(
    w: LandingWriter, landing: Landing, day: date, kind: np.ndarray, months: np.ndarray
) -> None:
    """Bill every paying subscription whose period ends today and that goes on: Stripe issues
    the next period's invoice at that moment, as the initial export does for every period. The
    invoice bills the subscription's items as they stand at the start of the day, with its
    coupon, at the tax rate of its previous invoice; it is paid, or open while past due."""
    start = epoch_day(day)
    invoice_files = landing.files("billing_invoices", day)
    w.con.execute(f"""
        create or replace temp table _billed as
        with invoices as (
            select json, filename,
                json->>'$.subscription' as id,
                (json->>'$.period_end')::bigint as period_end,
                json_extract_string(json, '$.lines.data[*].id') as line_ids
            from {reader(CATALOG["billing_invoices"], invoice_files)}
        ),
        regular as (
            -- The latest invoice billing a period (not one of prorations only).
            select id, period_end,
                (json->>'$.subtotal')::bigint - coalesce(
                    (json->>'$.total_discount_amounts[0].amount')::bigint, 0) as taxed,
                (json->>'$.tax')::bigint as tax
            from invoices
            where list_contains(json_extract_string(json, '$.lines.data[*].type'), 'subscription')
            qualify row_number() over (partition by id order by period_end desc) = 1
        )
        select s.k, r.period_end, r.taxed, r.tax,
            (select max(json->>'$.id') from invoices) as last_invoice,
            (select max(l) from (select unnest(line_ids) as l from invoices)) as last_line
        from regular as r join _subs as s on s.id = r.id
        where r.period_end >= {start} and r.period_end < {start + DAY}
            and s.status in (1, 2)
        order by s.k""")
    due = w.con.execute("select k, period_end, taxed, tax from _billed").fetchnumpy()
    renewing = ~np.isin(kind[due["k"]], DELETING)  # ending today: no next period
    sub = due["k"][renewing].astype(np.int64)
    if not len(sub):
        return
    at = due["period_end"][renewing].astype(np.int64)
    # The tax rate the previous invoice was computed at (rounded there to the minor unit).
    taxed, tax = due["taxed"][renewing], due["tax"][renewing]
    implied = np.divide(tax, taxed, out=np.zeros(len(sub)), where=taxed > 0)
    rates = np.unique(COUNTRY_TAX_RATE)
    rate = rates[np.abs(implied[:, None] - rates[None, :]).argmin(axis=1)]
    anchor = w.con.execute("select anchor from _subs order by k").fetchnumpy()["anchor"]
    span = months[sub]
    elapsed = whole_months_between(anchor[sub], at)
    last_invoice, last_line = w.con.execute(
        "select any_value(last_invoice), any_value(last_line) from _billed"
    ).fetchone()
    order = np.lexsort((sub, at))  # ids follow creation, as Stripe numbers them
    w.register(
        "_renewal_invoices",
        {
            "k": sub[order],
            "billed_at": at[order],
            "period_end": add_months(anchor[sub], elapsed + span)[order],
            "tax_rate": rate[order],
            "number": int(last_invoice.removeprefix("in_")) + 1 + np.arange(len(sub)),
        },
    )
    first_line = int(last_line.removeprefix("il_")) + 1
    w.write_json_text(
        "billing",
        "invoices",
        f"""
        with items as (
            select r.number, r.billed_at, r.period_end, r.tax_rate, s.id, s.status, s.json,
                unnest((s.json->'$.items.data')::json[]) as item
            from _renewal_invoices as r join _subs as s on s.k = r.k
        ),
        lines as (
            select *, item->>'$.price.id' as price_id,
                (item->>'$.quantity')::bigint as qty,
                (item->>'$.price.unit_amount')::bigint * (item->>'$.quantity')::bigint as amount,
                {first_line} - 1 + row_number() over (order by number, item->>'$.id') as line_number
            from items
        ),
        invoices as (
            select number, any_value(billed_at) as billed_at, any_value(period_end) as period_end,
                any_value(tax_rate) as tax_rate, any_value(id) as id,
                any_value(status) as status, any_value(json) as json,
                sum(amount)::bigint as subtotal,
                round(sum(amount) * coalesce(
                    (any_value(json)->>'$.discount.coupon.percent_off')::double, 0) / 100
                )::bigint as discount,
                list(json_object('id', 'il_' || lpad(line_number::varchar, 11, '0'),
                    'object', 'line_item', 'type', 'subscription', 'amount', amount,
                    'currency', json->>'$.currency',
                    'description', case when price_id like 'price_api_addon%'
                        then '1 × API add-on'
                        else qty::varchar || ' × ' || upper(split_part(price_id, '_', 2)[1])
                            || split_part(price_id, '_', 2)[2:] || ' plan' end,
                    'proration', false, 'quantity', qty,
                    'price', json_object('id', price_id),
                    'period', json_object('start', billed_at, 'end', period_end))
                    order by line_number) as lines
            from lines
            group by number
        ),
        totals as (
            select *, round((subtotal - discount) * tax_rate)::bigint as tax from invoices
        )
        select json_object('id', 'in_' || lpad(number::varchar, 10, '0'), 'object', 'invoice',
            'customer', json->>'$.customer', 'subscription', id,
            'status', case status when 1 then 'paid' else 'open' end,
            'currency', json->>'$.currency', 'created', billed_at, 'period_start', billed_at,
            'period_end', period_end, 'subtotal', subtotal,
            'total_discount_amounts', case when discount = 0 then '[]'::json
                else json_array(json_object('amount', discount)) end,
            'tax', tax, 'total', subtotal - discount + tax,
            'amount_paid', case status when 1 then subtotal - discount + tax else 0 end,
            'amount_due', subtotal - discount + tax,
            'lines', json_object('object', 'list', 'data', to_json(lines)))
        from totals
        order by number""",
    )


def _assign(
    kind: np.ndarray, at: np.ndarray, mask: np.ndarray, code: int, moment: np.ndarray
) -> None:
    """Give the change `code` at `moment` to subscriptions in `mask` not changed yet today."""
    free = mask & (kind == NONE)
    kind[free] = code
    at[free] = moment[free]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_event_number(w: LandingWriter, landing: Landing, day: date) -> int:
    files = landing.latest_files("billing_subscription_events", day)
    largest = w.con.execute(
        f"select max(json->>'$.id') from {reader(CATALOG['billing_subscription_events'], files)}"
    ).fetchone()[0]
    # Initial event ids count from 0 (`evt_0000000000`); all are padded to one width.
    return int(largest.removeprefix("evt_")) + 1 if largest else 0


def _fx(w: LandingWriter, landing: Landing, day: date, rng: np.random.Generator) -> None:
    """USD and GBP rates on business days: the mean-reverting walk of the initial export,
    continued from the last delivered rate."""
    if day.weekday() >= 5:
        return
    files = landing.files("billing_fx_rates", day)
    last = w.con.execute(f"""
        select currency, rate_to_eur::double as rate
        from {reader(CATALOG["billing_fx_rates"], files)}
        where currency in ('USD', 'GBP')
        qualify row_number() over (partition by currency order by "date" desc) = 1
        order by currency = 'GBP'""").fetchnumpy()
    level = np.log(last["rate"].astype(float))
    level = level + FX_REVERSION * (FX_CENTRE - level) + rng.normal(0, FX_SHOCK, 2)
    w.write(
        "billing",
        "fx_rates",
        "csv",
        f"""select _row, '{day.isoformat()}' as date,
            case currency when 1 then 'USD' else 'GBP' end as currency,
            printf('%.6f', rate) as rate_to_eur
        from _fx_day""",
        {"_fx_day": {"_row": np.arange(2), "currency": np.array([1, 2]), "rate": np.exp(level)}},
    )
