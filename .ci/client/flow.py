"""The whole API flow through a client that openapi-python-client generated from
docs/openapi.json, as a user of the API would write it: register, log in, attach a token, every
Mono view, a statement range in pages and as CSV, the months, the sync, the webhook, API keys and
logout. Every answer is checked to be the type the document promises (a wrong schema fails here),
and the script passes `mypy --strict` with no casts and no `Any`.

Usage: python3 flow.py URL TOKEN (a sandbox token); the generated package `monoweb_client` must be
importable.
"""

import datetime
import sys
import time
import urllib.parse

from monoweb_client import AuthenticatedClient, Client
from monoweb_client.api.accounts import (
    keys_create,
    keys_list,
    keys_revoke,
    login,
    logout,
    me,
    register,
)
from monoweb_client.api.mono import (
    balance,
    client_info,
    currencies,
    currency_get,
    currency_post,
    request_history,
    statement,
    statement_csv,
    statement_range,
    summary,
    sync_progress,
    token_attach,
    token_status,
    webhook,
)
from monoweb_client.models import (
    ApiKeys,
    BalanceAnswer,
    ClientInfo,
    Currencies,
    Failure,
    HistoryRequest,
    LoggedIn,
    LoginRequest,
    Me,
    Message,
    MonoCurrencySerializer,
    MonoPeriodSerializer,
    MonoTokenSerializer,
    MonthSummary,
    NewApiKey,
    NewKeyRequest,
    Pair,
    RegisterRequest,
    Registered,
    Scope,
    Statement,
    StoredStatement,
    SyncProgress,
    TokenStatusAnswer,
    TokenStored,
    WebhookSerializer,
)
from monoweb_client.types import UNSET, Unset

SESSION_COOKIE = "monoweb_session"


def step(name: str) -> None:
    print(f"client flow: {name}", flush=True)


def wait_for_accounts(session: AuthenticatedClient) -> SyncProgress:
    """The sync's progress once it has read the accounts (its first round, within seconds)."""
    deadline = time.monotonic() + 60
    while True:
        progress = sync_progress.sync(client=session)
        assert isinstance(progress, SyncProgress), progress
        if progress.detail.accounts:
            return progress
        assert time.monotonic() < deadline, "the sync never read the accounts"
        time.sleep(0.2)


def cursor_of(link: str) -> str:
    """The `cursor` of a `next` link."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return query["cursor"][0]


def main(url: str, token: str) -> None:
    anonymous = Client(base_url=url)
    step("register and log in")
    made = register.sync(
        client=anonymous,
        body=RegisterRequest(username="client-flow", password="quartz meadow ferry 41"),
    )
    assert isinstance(made, Registered), made
    assert made.detail.username == "client-flow"
    answer = login.sync_detailed(
        client=anonymous,
        body=LoginRequest(username="client-flow", password="quartz meadow ferry 41"),
    )
    assert isinstance(answer.parsed, LoggedIn), answer
    assert answer.parsed.detail.username == "client-flow"
    value = anonymous.get_httpx_client().cookies.get(SESSION_COOKIE)
    assert value, "the login set the session cookie"
    cookie = f"{SESSION_COOKIE}={value}"
    # The session scheme is an API key in a cookie: the generated client's token header.
    session = AuthenticatedClient(base_url=url, token=cookie, prefix="", auth_header_name="Cookie")
    who = me.sync(client=session)
    assert isinstance(who, Me), who
    assert not who.detail.has_token

    step("attach the token")
    stored = token_attach.sync(client=session, body=MonoTokenSerializer(mono_token=token))
    assert isinstance(stored, TokenStored), stored
    assert stored.detail == "Mono added successfully."
    status = token_status.sync(client=session)
    assert isinstance(status, TokenStatusAnswer), status
    assert status.detail.connected

    step("rates")
    rates = currencies.sync(client=session)
    assert isinstance(rates, Currencies), rates
    assert any(r.currency_a == "USD" and r.currency_b == "UAH" for r in rates.detail)
    pair = currency_get.sync(client=session, currency="USDUAH")
    assert isinstance(pair, Pair), pair
    assert "USDUAH" in pair.detail.additional_properties
    pair = currency_post.sync(client=session, body=MonoCurrencySerializer(currency="usd/uah"))
    assert isinstance(pair, Pair), pair

    step("client-info, balance and the seed's statement")
    info = client_info.sync(client=session)
    assert isinstance(info, ClientInfo), info
    assert info.detail.accounts
    money = balance.sync(client=session)
    assert isinstance(money, BalanceAnswer), money
    assert money.detail.currency == "UAH"
    assert all(isinstance(a.id, str) for a in money.detail.accounts)
    recent = statement.sync(client=session, body=MonoPeriodSerializer(period=3))
    assert isinstance(recent, Statement), recent
    assert all(isinstance(i.amount, int) for i in recent.detail)

    step("the sync and older history")
    progress = wait_for_accounts(session)
    first = progress.detail.accounts[0].account
    today = datetime.date.today()
    asked = request_history.sync(
        client=session, body=HistoryRequest(from_=today - datetime.timedelta(days=40))
    )
    assert isinstance(asked, SyncProgress), asked

    step("a statement range in pages, and as CSV")
    # The sync fetches at Monobank's pace (one statement call a minute per token); its first
    # call brings up to 500 rows of an account within seconds.
    start = today - datetime.timedelta(days=30)
    began = time.monotonic()
    while True:
        whole = statement_range.sync(client=session, from_=start, to=today, account="all")
        assert isinstance(whole, StoredStatement), whole
        if len(whole.detail.items) > 6:
            break
        assert time.monotonic() < began + 120, "the sync stored nothing of the month"
        time.sleep(0.5)
    assert isinstance(whole.detail.next_, Unset), "no next without a limit"
    ids: list[str] = []
    cursor: str | Unset = UNSET
    while True:
        page = statement_range.sync(
            client=session, from_=start, to=today, account="all", limit=50, cursor=cursor
        )
        assert isinstance(page, StoredStatement), page
        assert len(page.detail.items) <= 50
        ids.extend(item.id for item in page.detail.items)
        following = page.detail.next_
        if not isinstance(following, str):
            break
        cursor = cursor_of(following)
    # The sync goes on meanwhile: rows it adds behind a page's cursor come in a later page, so
    # the pages hold every row of the range as it was, and each row once.
    assert len(ids) == len(set(ids)), "no row twice"
    assert set(item.id for item in whole.detail.items) <= set(ids), "no row missed"
    csv = statement_csv.sync(client=session, from_=start, to=today, account=first)
    assert isinstance(csv, str), csv
    assert csv.startswith("date,time,account,"), csv[:80]

    step("months")
    months = summary.sync(client=session)
    assert isinstance(months, MonthSummary), months
    assert months.currency == "UAH" and months.detail

    step("the webhook")
    hook = webhook.sync(client=session, body=WebhookSerializer())
    assert isinstance(hook, Message), hook
    assert hook.detail == "Webhook registered."

    step("API keys")
    made_key = keys_create.sync(
        client=session, body=NewKeyRequest(name="client flow", scope=Scope.READ)
    )
    assert isinstance(made_key, NewApiKey), made_key
    keyed = AuthenticatedClient(base_url=url, token=made_key.detail.key)
    by_key = balance.sync(client=keyed)
    assert isinstance(by_key, BalanceAnswer), by_key
    listed = keys_list.sync(client=session)
    assert isinstance(listed, ApiKeys), listed
    assert [k.id for k in listed.detail] == [made_key.detail.id]
    revoked = keys_revoke.sync_detailed(made_key.detail.id, client=session)
    assert revoked.status_code == 204, revoked
    refused = balance.sync(client=keyed)
    assert isinstance(refused, Failure) and refused.code == 401, refused

    step("log out")
    out = logout.sync_detailed(client=session)
    assert out.status_code == 204, out
    after = me.sync(client=session)
    assert isinstance(after, Failure) and after.code == 401, after
    step("all done")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
