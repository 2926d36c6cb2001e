# monoweb's pages in English. Every message here has a twin of the same id in uk.ftl.
# Arguments are given by the code; a number picks the plural form.

## The layout

meta-description = monoweb: your own Monobank accounts, jars, statements and exchange rates, on your own server.
skip-to-content = Skip to content
nav-label = Main
nav-dashboard = Dashboard
nav-statement = Statement
nav-months = Months
nav-rates = Rates
nav-token = Token
nav-webhook = Webhook
nav-settings = Settings
nav-admin = Admin
log-in = Log in
log-out = Log out
register = Register
footer = monoweb · your own Monobank data, on your own server · times in Europe/Kyiv
language-menu = Language:
language-saved = The pages now speak English.
language-unknown = Choose one of the languages offered.
back-to-dashboard = Back to the dashboard
back-to-monoweb = Back to monoweb

## Logging in and registering

logged-out = You have been logged out.
username = Username
password = Password
no-account-yet = No account yet?
already-registered = Already registered?
username-hint = 3 to 32 letters, digits, dots, dashes or underscores.
new-password-hint = At least 12 characters; not a common password and not like your username.
create-account = Create account
registration-closed = Registration is closed; ask an admin for an account.
welcome-back = Welcome back, { $name }.
welcome-new = Welcome, { $name }. Attach your Monobank token to see your accounts.

## Time and dates

age-just-now = just now
age-minutes = { $n } min ago
age-hours = { $n } h ago
age-days = { $n ->
    [one] { $n } day ago
   *[other] { $n } days ago
}
updated-at = updated { $when } ({ $age })
month-year = { $month } { $year }
day-heading = { $weekday }, { $day } { $month } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-of-1 = January
month-of-2 = February
month-of-3 = March
month-of-4 = April
month-of-5 = May
month-of-6 = June
month-of-7 = July
month-of-8 = August
month-of-9 = September
month-of-10 = October
month-of-11 = November
month-of-12 = December
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday

## Counts

operations = { $n ->
    [one] { $n } operation
   *[other] { $n } operations
}

## The dashboard

dashboard-no-token = No Monobank token yet
dashboard-no-token-text = Attach your personal Monobank API token to see your accounts, jars and statements.
dashboard-attach = Attach a token
stale = stale
stale-title = Monobank could not be asked just now; this is the last data received.
net-worth = Net worth
net-worth-note = Own funds of every account and jar in hryvnias. Credit limits are not counted.
net-worth-note-rates = Own funds of every account and jar in hryvnias, at Monobank's buying rates of { $when }: { $rates }. Credit limits are not counted.
net-worth-unknown = Not known now: Monobank's exchange rates could not be read for every currency you hold.
accounts = Accounts
account-main = main
own-funds = Own funds
credit-limit = Credit limit
with-the-limit = With the limit
card = Card
jars = Jars
jar-goal = Goal { $goal } · { $percent }%
jar-name = Jar «{ $title }»
card-black = Black card
card-white = White card
card-platinum = Platinum card
card-iron = Iron card
card-yellow = Yellow card
card-fop = FOP account
card-eaid = eAid card
card-made-in-ukraine = Made in Ukraine card

## The statement

attach-token-first = Attach a <a href="/token">Monobank token</a> first.
account = Account
all-accounts-and-jars = All accounts and jars
date-from = From
date-to = To
search-and-filters = Search and filters
search = Search
search-placeholder = Description, comment or counterparty
category = Category
category-any = Any
direction = Direction
direction-both = In and out
money-in = Money in
money-out = Money out
amount-from = Amount from
amount-to = to
order = Order
sort-newest = Newest first
sort-oldest = Oldest first
sort-largest = Largest first
sort-smallest = Smallest first
rows-per-page = Rows per page
show = Show
kyiv-times = Dates and times in Europe/Kyiv
download-csv = Download CSV
statement-unvalued = { $n ->
    [one] { $n } operation in another currency is not in the totals or the chart: Monobank's exchange rates could not be read just now. Reload in a minute.
   *[other] { $n } operations in other currencies are not in the totals or the chart: Monobank's exchange rates could not be read just now. Reload in a minute.
}
statement-all-accounts = Every account and jar, totals in hryvnias.
statement-transfers = { $n ->
    [one] { $n } operation is a transfer between your own accounts and jars: it is marked and left out of money in, money out and the chart.
   *[other] { $n } operations are transfers between your own accounts and jars: they are marked and left out of money in, money out and the chart.
}
statement-no-transfers = Transfers between your own accounts and jars are left out of the totals.
statement-holds-pending = { $n ->
    [one] { $n } hold in this range is still pending: the bank may settle it for another amount or cancel it; monoweb reads it again every hour.
   *[other] { $n } holds in this range are still pending: the bank may settle them for another amount or cancel them; monoweb reads them again every hour.
}
statement-fetched-up-to = Fetched up to { $when }: newer operations come with the next fetch.
statement-fetched-up-to-expected = Fetched up to { $when }: newer operations come with the next fetch, expected by { $expected }.
statement-register-webhook = Register monoweb's <a href="/webhook">webhook</a> to see them as they happen.
partial-label = Partial:
statement-not-fetched = not fetched yet: { $missing }.
statement-expected = Monobank answers one statement request a minute; monoweb expects to have it by { $expected }. Reload then.
statement-before-history = This range starts before the history monoweb keeps of this account (from { $from }); older days are fetched only when you ask.
statement-fetch-older = Fetch history back to { $from }
statement-progress = This account's history in monoweb: { $done } of { $all } month-long windows.
statement-progress-since = This account's history in monoweb: { $done } of { $all } month-long windows since { $from }.
unconfirmed-title = Not confirmed by the bank
unconfirmed = unconfirmed
unconfirmed-text = { $n ->
    [one] This operation came by webhook without Monobank's signature, so nothing proves the bank sent it. It is left out of the totals, the chart, the months and the CSV until the next statement fetch confirms it, or removes it if the bank does not list it.
   *[other] These { $n } operations came by webhook without Monobank's signature, so nothing proves the bank sent them. They are left out of the totals, the chart, the months and the CSV until the next statement fetch confirms them, or removes them if the bank does not list them.
}
totals = Totals
totals-partial = Totals (partial)
totals-pending = Totals (pending)
transactions = Transactions
transactions-so-far = Transactions so far
not-fetched-yet = not fetched yet
partial = partial
pending = pending
spending-by-category = Spending by category
chart-show-category = Show the { $category } operations
chart-others = All other categories
no-transactions = No transactions in this range.
no-transactions-fetched = No transactions fetched yet for this range.
no-transactions-fetched-expected = No transactions fetched yet for this range; expected by { $expected }.
transactions-of = Transactions { $first }–{ $last } of { $count }
time = Time
date = Date
description = Description
amount = Amount
cashback = Cashback
balance = Balance
comment = Comment
hold = hold
own-transfer = own transfer
pages = Pages
previous = Previous
next = Next
choose-account = Choose one of your accounts or jars.
not-a-page = Not a page of this statement.
choose-page-size = Choose 50, 100, 200 or 500 rows per page.
history-day-from = Enter a day from { $first } (Monobank's first day) on.
history-requested = monoweb is fetching this account's history back to { $from }, one month a minute.

## Spending categories (the MCC groups)

category-cafes-and-restaurants = Cafes and restaurants
category-cash = Cash
category-charity = Charity
category-clothing-and-shoes = Clothing and shoes
category-digital-goods-and-subscriptions = Digital goods and subscriptions
category-education = Education
category-electronics = Electronics
category-entertainment = Entertainment
category-fuel = Fuel
category-groceries = Groceries
category-health-and-beauty = Health and beauty
category-home-and-garden = Home and garden
category-insurance = Insurance
category-services = Services
category-shopping = Shopping
category-taxes-and-government = Taxes and government
category-transfers = Transfers
category-transport = Transport
category-travel = Travel
category-utilities-and-telecom = Utilities and telecom
category-other = Other

## Months

this-year = This year
months-intro = Every account and jar, in hryvnias; transfers between your own accounts and jars are left out. Each month links to its statement.
years = Years
earlier = Earlier
later = Later
months-chart-title = Money in and out per month
months-partial-note = Partial or not fetched yet: part of the month (or all of it) is not in monoweb yet; its sums grow as the sync fetches the history. Older history is fetched on request from the <a href="/statement">statement</a>.
month = Month
net = Net
together = Together
no-rates-title = Monobank's exchange rates could not be read
without-rate = { $n } without a rate
months-choose = Choose a month as YYYY-MM, from 2017-11 (Monobank's first) to this one.
months-bar-title = { $month }: in { $in }, out { $out }
months-bar-title-partial = { $month }: in { $in }, out { $out } (partial)
months-bar-title-not-fetched = { $month }: in { $in }, out { $out } (not fetched yet)

## Notices shared by pages

notice-token-rejected = Monobank rejected your token on { $when }: it was revoked or mistyped. Replace it on the Token page; until then nothing is fetched.
notice-access-revoked = Access was revoked in the Monobank app on { $when }: connect again on the Token page; until then nothing is fetched.
webhook-outcome-own-yours = Your Monobank webhook went to { $from }; it now goes to monoweb's own receiver.
webhook-outcome-own-users = { $name }'s Monobank webhook went to { $from }; it now goes to monoweb's own receiver.
webhook-outcome-removed-yours = Your Monobank webhook went to { $from }; it is now removed.
webhook-outcome-removed-users = { $name }'s Monobank webhook went to { $from }; it is now removed.
webhook-outcome-failed-yours = Your Monobank webhook still goes to { $from }: Monobank could not be asked to take it back. Choose monoweb's own receiver on the Webhook page.
webhook-outcome-failed-users = { $name }'s Monobank webhook still goes to { $from }: Monobank could not be asked to take it back. Choose monoweb's own receiver on the Webhook page.
webhook-outcome-unchecked-yours = Your Monobank webhook could not be checked; look on the Webhook page.
webhook-outcome-unchecked-users = { $name }'s Monobank webhook could not be checked; look on the Webhook page.

## Settings

new-key = Your new API key “{ $name }”. Copy it now: it is not shown again.
change-password = Change password
current-password = Current password
new-password = New password
new-password-short-hint = At least 12 characters.
new-password-again = New password again
change-password-note = Changing the password ends your other sessions and revokes your API keys.
passwords-differ = The two new passwords differ.
password-changed = Password changed. Your other sessions have ended.
language = Language
language-pages = Show the pages in
language-auto = The browser's language
amounts = Amounts
write-amounts-as = Write amounts as
style-ukrainian = { $example } (Ukrainian)
style-english = { $example } (English)
choose-style = Choose one of the two styles.
amounts-now = Amounts are now written as { $example }.
save = Save
active-sessions = Active sessions
device = Device
address = Address
started = Started
last-seen = Last seen
end = End
unknown = unknown
unknown-client = Unknown client
this-browser = this browser
log-out-others = Log out other sessions ({ $n })
no-other-sessions = There were no other sessions.
other-sessions-ended = { $n ->
    [one] { $n } other session ended.
   *[other] { $n } other sessions ended.
}
session-ended = The session ended.
api-keys = API keys
api-keys-intro = For scripts and home-automation tools: they send <code>Authorization: Bearer</code> and the key to the JSON API instead of logging in. A <em>read</em> key may only read; a <em>write</em> key may also replace or remove the token, register the webhook and ask for older history. No key can change the password or make keys; changing the password revokes them all.
no-keys = No keys yet.
key-name = Name
key-may = May
key-starts-with = Starts with
key-made = Made
key-last-used = Last used
revoke = Revoke
revoke-key = Revoke the key { $name }
new-key-name = Name of a new key
new-key-name-hint = What will use it, e.g. “home assistant”.
key-it-may = It may
scope-read = read
scope-write = read and write
choose-scope = Choose read or write.
create-key = Create key
key-revoked = API key revoked.
never = never

## Admin

users = Users
admin-intro = Create users, reset passwords and delete users with <code>monoweb user …</code> on the server.
user = User
role = Role
admin-token-attached = Token attached
created = Created
last-login = Last login
status = Status
role-admin = admin
role-user = user
yes = yes
no = no
active = active
disabled = disabled
disable = Disable
enable = Enable
admin-not-yourself = You cannot disable your own account.
admin-enabled = { $name } is enabled.
admin-disabled = { $name } is disabled.

## Webhook

webhook-provider = You connected through the Monobank app: new transactions reach monoweb through this server's provider webhook, which the administrator keeps registered. There is no webhook of your own to set.
webhook-intro = Monobank can send each new transaction to a URL as it happens. With monoweb's own receiver your statements and history stay up to date without waiting for Monobank's once-a-minute limit.
webhook-reset-own = On { $when }, because { $why }, monoweb took your webhook back: it went to { $from } and now goes to monoweb's own receiver. Whoever used your account may have set it; if you set it yourself, register it again below.
webhook-reset-removed = On { $when }, because { $why }, monoweb took your webhook back: it went to { $from } and is now removed. Whoever used your account may have set it; if you set it yourself, register it again below.
reset-cause-sessions = your other sessions were logged out
reset-cause-disabled = an administrator disabled your account
reset-cause-password = your password was changed
webhook-own-registered = monoweb's own receiver is registered.
webhook-registered-through = Registered through monoweb:
webhook-own-again = Register monoweb's receiver again
webhook-use-own = Use monoweb's own receiver
webhook-or-url = Or your own URL
webhook-url-check = Monobank checks the URL with a GET request first, which must answer 200.
webhook-url = Webhook URL
webhook-url-hint = An http:// or https:// URL.
webhook-register-url = Register the URL
webhook-registered = Webhook registered.

## Token

token-title = Monobank token
token-title-connection = Monobank connection
token-title-disconnect = Disconnect Monobank
token-title-remove = Remove the Monobank token
disconnect-question = Disconnect Monobank?
disconnect-explained = monoweb stops reading your accounts and statements from Monobank and forgets the access. Monobank still lists it until you end it in the Monobank app. To see new data again you connect anew and approve in the app.
remove-question = Remove the token ending in { $hint }?
remove-explained = monoweb stops reading your accounts and statements from Monobank and removes the webhook it registered with this token. To see new data again you attach a token anew.
disconnect = Disconnect
remove = Remove
remove-token = Remove the token
keep-it = Keep it
access-revoked = Access was revoked in the Monobank app on { $when }: connect again. Nothing is fetched until you do.
connected-provider = Connected through the Monobank app since { $since }. Your accounts and statements are read with this server's provider key. Disconnecting here stops monoweb reading them; to end the access at Monobank too, end it in the Monobank app.
token-ending-in = A token ending in
token-attached-since = is attached (since { $since }).
token-attached-since-changed = is attached (since { $since }, changed { $changed }).
token-not-confirmed = Monobank has not confirmed it yet.
token-rejected-replace = Monobank rejected this token on { $when }: it was revoked or mistyped. Nothing is fetched with it; replace it below.
token-rejected-remove = Monobank rejected this token on { $when }: it was revoked or mistyped. Nothing is fetched with it; remove it below, then connect through the Monobank app.
connect-title = Connect through the Monobank app
connect-approve = Approve the access in the Monobank app: on your phone, open the link; on a computer, scan the code with your phone's camera.
connect-open-app = Open in the Monobank app
connect-waiting = Waiting for your approval (until { $until }). This page checks again every 5 seconds.
check-now = Check now
connect-expired = The last request expired or was declined: connect again.
connect-explained = monoweb asks Monobank for read access to your accounts and statements. You approve it in the Monobank app; no token to copy, and you can end it there at any time.
connect-again = Connect again
connect-monobank = Connect Monobank
connect-started = Open the link on your phone, or scan the code with it, and approve in the Monobank app.
token-or-personal = Or attach a personal token: the Monobank terms allow it for your own and your family's use.
token-none = No token is attached.
token-get = Get your personal token at <strong>api.monobank.ua</strong> (scan the QR code in the Monobank app) and paste it here. It is stored encrypted and never shown again.
personal-token = Personal API token
personal-token-hint = 44 letters, digits, '-' or '_'.
replace-token = Replace the token
attach-token = Attach the token
disconnect-note = Disconnecting stops every read from Monobank; end the access in the Monobank app to withdraw it at Monobank too.
remove-note = Removing the token also removes the webhook monoweb registered with it.
invalid-token = Invalid token.
token-attached = The token is attached.
token-attached-unconfirmed = The token is attached. Monobank has not confirmed it yet; the first sync will.
token-replaced = The token is replaced.
token-replaced-unconfirmed = The token is replaced. Monobank has not confirmed it yet; the first sync will.
token-removed = The token is removed.

## Rates

rates-title = Exchange rates
rates-updated = Updated { $when } ({ $age })
converter = Converter
rates-from = From
rates-to = To
convert = Convert
swap = Swap
swap-title = Swap the currencies
rate-line = { $rate }, at the rate the bank buys at.
rate-line-through-uah = { $rate }, at the rate the bank buys at, through UAH: Monobank lists no direct rate between these two.
all-rates = All rates
find-currency = Find a currency
find-currency-placeholder = USD, zloty, …
filter = Filter
show-all = Show all
rates-count = { $shown } of { $total } rates.
rates-count-pinned = { $shown } of { $total } rates; the dollar, the euro and the złoty first.
rates-explained = A rate is the hryvnias (or the second currency) for one unit: what the bank buys and sells at, or its cross rate where it quotes only that.
rates-caption = Monobank exchange rates
currency = Currency
rate = Rate
rate-buy-sell = buy / sell
rate-cross = cross
rates-amount-range = Enter an amount greater than 0 and at most 1,000,000,000,000.
rates-choose-currency = Choose a currency from the list.
rates-filter-length = Filter by at most 40 letters, such as USD or zloty.
rates-no-rate = Monobank publishes no rate between { $from } and { $to }.

## The services' sentences on pages. The English text of each is the sentence the services
## (and the JSON API) say; the page looks it up to show its translation.

said-login-failed = Invalid username or password.
said-form-expired = This form has expired or did not come from this site. Go back, reload the page and try again.
said-form-unreadable = The form could not be read.
said-registration-closed = Registration is closed; ask an admin for an account.
said-user-exists = A user with that name already exists.
said-username-length = Username must be 3 to 32 characters.
said-password-length = Password must be 12 to 128 characters.
said-password-username = Password must not be your username or contain the app's name.
said-password-common = Password is one of the most common passwords; choose another.
said-current-password-wrong = The current password is wrong.
said-blank = This field may not be blank.
said-required = This field is required.
said-key-name = Name the key in 1 to 64 characters.
said-no-such-key = No such API key.
said-url-length = Ensure this field has no more than 2048 characters.
said-url-invalid = Enter a valid http:// or https:// URL.
said-url-refused = Monobank refused this URL: it must be reachable and answer GET with 200.
said-token-rejected = Monobank rejected this token.
said-stored-token-rejected = Monobank rejected the stored token.
said-access-revoked = Access was revoked in the Monobank app: connect again.
said-token-already = A Mono token is already attached.
said-token-not-added = Your mono has not been added yet.
said-mono-error = Monobank answered with an error.
said-mono-unreachable = Monobank is not reachable right now.
said-mono-refusing = Monobank is refusing requests from this server for now; try again later.
said-accounts-not-read = Your accounts have not been read from Monobank yet; try again in a minute.
said-db-busy = The database is busy; try again.
said-db-unavailable = The database is unavailable.
said-exists = That already exists.
said-date = Enter a date as YYYY-MM-DD.
said-month = Enter a month as YYYY-MM.
said-end-before-start = The end date must not be before the start date.
said-start-future = The start date is in the future.
said-ten-years = Ask for at most ten years at a time.
said-month-future = The month must not be in the future.
said-last-before-first = The last month must not be before the first.
said-120-months = Ask for at most 120 months at a time.
said-first-month = Monobank's history starts in 2017-11; ask for that month or later.
said-direction = Choose in or out.
said-amount = Enter an amount such as 250 or 99.90 (no sign: use the direction for in or out).
said-amounts-order = The largest amount must not be below the smallest.
said-search-control = Search text cannot hold control characters.
said-sort = Sort by date, -date, amount or -amount.
said-no-control = No control characters, please.
said-admins-only = Only admins may do this.
said-not-found = There is nothing at this address. The link may be old or mistyped.
said-not-found-short = Not found.
said-method = Method not allowed.
said-too-large = Request body is too large.
said-too-slow = The request body did not arrive in time; the connection is closed.
said-internal = Internal server error.
said-host = This server does not serve that host name.
said-cross-site = Cross-site request refused.
said-title-not-found = Page not found
said-title-internal = Something went wrong
said-title-method = Not possible here
said-title-forbidden = Not allowed
said-title-too-many = Too many requests
said-title-unavailable = Not available just now
said-title-bad-request = Bad Request
said-title-unprocessable = Unprocessable Entity
said-title-bad-gateway = Bad Gateway
said-try-again-in = { $n ->
    [one] Too many requests. Try again in { $n } second.
   *[other] Too many requests. Try again in { $n } seconds.
}
connect-qr-label = QR code of the link to approve in the Monobank app
said-invalid-input = Invalid input.
said-username-chars = Username may contain only letters a-z, digits, '.', '_' and '-'.
said-username-start = Username must start with a letter or digit.
said-title-timeout = Request Timeout
said-title-conflict = Conflict
said-title-too-large = Payload Too Large
said-title-media-type = Unsupported Media Type
said-media-type = Unsupported media type: send the body as application/json.
remember-me = Stay signed in on this device
remember-me-hint = For { $days ->
    [one] a day
   *[other] { $days } days
}, even when the browser is closed or you are away; not on a shared computer. Logging out, changing the password or “log out other sessions” still ends it.
session-remembered = stays signed in until { $until }
session-remembered-title = Started with “stay signed in on this device”: it does not end for being idle.
cashback-line = cashback { $amount }
balance-line = balance { $amount }
said-password-short = Password must be at least { $min } characters (it has { $chars }).
said-password-long = Password must be at most { $max } characters.
said-too-many-keys = You have { $n } API keys already; revoke one first.
said-search-length = Search for at most { $n } characters.
said-not-a-category = Not a category. Choose one of: { $names }.

## Currencies people meet most (the rest keep ISO 4217's English name)

currency-uah = Ukrainian hryvnia
currency-usd = US dollar
currency-eur = Euro
currency-pln = Polish złoty
currency-gbp = Pound sterling
currency-chf = Swiss franc
currency-czk = Czech koruna
currency-huf = Hungarian forint
currency-ron = Romanian leu
currency-mdl = Moldovan leu
currency-bgn = Bulgarian lev
currency-sek = Swedish krona
currency-nok = Norwegian krone
currency-dkk = Danish krone
currency-jpy = Japanese yen
currency-cny = Chinese yuan
currency-cad = Canadian dollar
currency-aud = Australian dollar
currency-try = Turkish lira
currency-gel = Georgian lari
currency-ils = Israeli new shekel
currency-aed = UAE dirham
currency-kzt = Kazakhstani tenge
currency-egp = Egyptian pound
currency-thb = Thai baht
currency-inr = Indian rupee
device-on = { $browser } on { $system }
