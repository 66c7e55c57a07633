"""A daily increment bills each paying subscription's renewal: without the next period's invoice,
a subscription quiet for longer than Stripe keeps events has nothing covering its life after its
period ends (the MRR gate then stops the first daily API sync)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from generator.daily_billing import write_billing_day
from generator.daily_state import Landing
from generator.writers import LandingWriter

DAY = date(2026, 10, 1)
RENEWAL = int(datetime(2026, 10, 1, 10, 57, 22, tzinfo=UTC).timestamp())
PERIOD_START = int(datetime(2026, 9, 1, 10, 57, 22, tzinfo=UTC).timestamp())
NEXT_END = int(datetime(2026, 11, 1, 10, 57, 22, tzinfo=UTC).timestamp())


def _subscription(number: int, cancel_requested: bool) -> dict:
    return {
        "id": f"sub_0000000{number}",
        "object": "subscription",
        "customer": f"cus_0000000{number}",
        "status": "active",
        "created": PERIOD_START,
        "start_date": PERIOD_START,
        "canceled_at": PERIOD_START + 86_400 if cancel_requested else None,
        "ended_at": None,
        "trial_start": None,
        "trial_end": None,
        "currency": "EUR",
        "cancel_at_period_end": cancel_requested,
        "discount": {"coupon": {"id": "coupon_20off", "percent_off": 20, "duration": "forever"}},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_00000000{number}",
                    "object": "subscription_item",
                    "quantity": 3,
                    "price": {
                        "id": "price_growth_eur_1m_2023",
                        "object": "price",
                        "unit_amount": 4_900,
                        "currency": "EUR",
                        "recurring": {"interval": "month", "interval_count": 1},
                        "product": "prod_growth",
                    },
                }
            ],
        },
    }


def _invoice(number: int) -> dict:
    """September's invoice: 3 × 49.00, 20 % off, 19 % tax (22.34 on 117.60)."""
    return {
        "id": f"in_000000000{number}",
        "object": "invoice",
        "customer": f"cus_0000000{number}",
        "subscription": f"sub_0000000{number}",
        "status": "paid",
        "currency": "EUR",
        "created": PERIOD_START,
        "period_start": PERIOD_START,
        "period_end": RENEWAL,
        "subtotal": 14_700,
        "total_discount_amounts": [{"amount": 2_940}],
        "tax": 2_234,
        "total": 13_994,
        "amount_paid": 13_994,
        "amount_due": 13_994,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": f"il_0000000000{number}",
                    "object": "line_item",
                    "type": "subscription",
                    "amount": 14_700,
                    "currency": "EUR",
                    "description": "3 × Growth plan",
                    "proration": False,
                    "quantity": 3,
                    "price": {"id": "price_growth_eur_1m_2023"},
                    "period": {"start": PERIOD_START, "end": RENEWAL},
                }
            ],
        },
    }


def _write(root: Path, table: str, rows: list[dict]) -> None:
    folder = root / "billing" / table
    folder.mkdir(parents=True)
    (folder / "part-0000.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_period_ending_today_is_renewed_by_an_invoice_unless_it_ends(tmp_path: Path) -> None:
    # sub 1 goes on; sub 2 asked to cancel, so its period end today is its end: no invoice.
    _write(tmp_path, "subscriptions", [_subscription(1, False), _subscription(2, True)])
    _write(tmp_path, "invoices", [_invoice(1), _invoice(2)])
    _write(tmp_path, "subscription_events", [])
    fx = tmp_path / "billing" / "fx_rates"
    fx.mkdir(parents=True)
    (fx / "part-0000.csv").write_text(
        "date,currency,rate_to_eur\n2026-09-30,USD,0.920000\n2026-09-30,GBP,1.170000\n"
    )
    writer = LandingWriter(tmp_path, partition=f"date={DAY}")
    try:
        write_billing_day(writer, Landing(tmp_path, date(2026, 9, 30)), DAY, seed=7)
    finally:
        writer.close()

    day_folder = tmp_path / "billing" / "invoices" / f"date={DAY}"
    [renewal] = [json.loads(x) for x in (day_folder / "part-0000.jsonl").read_text().splitlines()]
    # 3 × 49.00 = 147.00; 20 % off: 29.40; 19 % of 117.60 = 22.34 (22.344 rounded).
    assert renewal == {
        "id": "in_0000000003",
        "object": "invoice",
        "customer": "cus_00000001",
        "subscription": "sub_00000001",
        "status": "paid",
        "currency": "EUR",
        "created": RENEWAL,
        "period_start": RENEWAL,
        "period_end": NEXT_END,
        "subtotal": 14_700,
        "total_discount_amounts": [{"amount": 2_940}],
        "tax": 2_234,
        "total": 13_994,
        "amount_paid": 13_994,
        "amount_due": 13_994,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": "il_00000000003",
                    "object": "line_item",
                    "type": "subscription",
                    "amount": 14_700,
                    "currency": "EUR",
                    "description": "3 × Growth plan",
                    "proration": False,
                    "quantity": 3,
                    "price": {"id": "price_growth_eur_1m_2023"},
                    "period": {"start": RENEWAL, "end": NEXT_END},
                }
            ],
        },
    }
