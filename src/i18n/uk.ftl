# Сторінки monoweb українською. Кожне повідомлення тут має двійника з тим самим id в en.ftl.
# Аргументи дає код; число обирає форму множини (one, few, many, other).

## Каркас сторінки

meta-description = monoweb: ваші рахунки, банки, виписки й курси Монобанку на вашому власному сервері.
skip-to-content = Перейти до вмісту
nav-label = Головне меню
nav-dashboard = Огляд
nav-statement = Виписка
nav-months = Місяці
nav-rates = Курси
nav-token = Токен
nav-webhook = Вебхук
nav-settings = Налаштування
nav-admin = Адміністрування
log-in = Увійти
log-out = Вийти
register = Зареєструватися
footer = monoweb · ваші дані Монобанку на вашому сервері · час за Києвом
language-menu = Мова:
language-saved = Тепер сторінки українською.
language-unknown = Оберіть одну із запропонованих мов.
back-to-dashboard = Повернутися до огляду
back-to-monoweb = Повернутися до monoweb

## Вхід і реєстрація

logged-out = Ви вийшли.
username = Ім’я користувача
password = Пароль
no-account-yet = Ще не маєте облікового запису?
already-registered = Уже зареєстровані?
username-hint = Від 3 до 32 літер, цифр, крапок, дефісів або підкреслень.
new-password-hint = Щонайменше 12 символів; не поширений пароль і не схожий на ім’я користувача.
create-account = Створити обліковий запис
registration-closed = Реєстрацію закрито; попросіть обліковий запис в адміністратора.
welcome-back = З поверненням, { $name }.
welcome-new = Вітаємо, { $name }. Додайте токен Монобанку, щоб побачити свої рахунки.

## Час і дати

age-just-now = щойно
age-minutes = { $n } хв тому
age-hours = { $n } год тому
age-days = { $n ->
    [one] { $n } день тому
    [few] { $n } дні тому
   *[many] { $n } днів тому
}
updated-at = оновлено { $when } ({ $age })
month-year = { $month } { $year }
day-heading = { $weekday }, { $day } { $month } { $year }
month-1 = Січень
month-2 = Лютий
month-3 = Березень
month-4 = Квітень
month-5 = Травень
month-6 = Червень
month-7 = Липень
month-8 = Серпень
month-9 = Вересень
month-10 = Жовтень
month-11 = Листопад
month-12 = Грудень
month-of-1 = січня
month-of-2 = лютого
month-of-3 = березня
month-of-4 = квітня
month-of-5 = травня
month-of-6 = червня
month-of-7 = липня
month-of-8 = серпня
month-of-9 = вересня
month-of-10 = жовтня
month-of-11 = листопада
month-of-12 = грудня
month-short-1 = січ.
month-short-2 = лют.
month-short-3 = бер.
month-short-4 = квіт.
month-short-5 = трав.
month-short-6 = черв.
month-short-7 = лип.
month-short-8 = серп.
month-short-9 = вер.
month-short-10 = жовт.
month-short-11 = лист.
month-short-12 = груд.
weekday-1 = понеділок
weekday-2 = вівторок
weekday-3 = середа
weekday-4 = четвер
weekday-5 = п’ятниця
weekday-6 = субота
weekday-7 = неділя

## Кількості

operations = { $n ->
    [one] { $n } операція
    [few] { $n } операції
   *[many] { $n } операцій
}

## Огляд

dashboard-no-token = Токена Монобанку ще немає
dashboard-no-token-text = Додайте свій персональний токен API Монобанку, щоб бачити рахунки, банки й виписки.
dashboard-attach = Додати токен
stale = застаріло
stale-title = Монобанк зараз не відповів; це останні отримані дані.
net-worth = Статки
net-worth-note = Власні кошти всіх рахунків і банок у гривнях. Кредитні ліміти не враховано.
net-worth-note-rates = Власні кошти всіх рахунків і банок у гривнях за курсами купівлі Монобанку на { $when }: { $rates }. Кредитні ліміти не враховано.
net-worth-unknown = Зараз невідомо: не для всіх ваших валют вдалося отримати курси Монобанку.
accounts = Рахунки
account-main = основний
own-funds = Власні кошти
credit-limit = Кредитний ліміт
with-the-limit = З лімітом
card = Картка
jars = Банки
jar-goal = Мета { $goal } · { $percent }%
jar-name = Банка «{ $title }»
card-black = Чорна картка
card-white = Біла картка
card-platinum = Платинова картка
card-iron = Залізна картка
card-yellow = Жовта картка
card-fop = Рахунок ФОП
card-eaid = Картка єПідтримки
card-made-in-ukraine = Картка «Зроблено в Україні»

## Виписка

attach-token-first = Спершу додайте <a href="/token">токен Монобанку</a>.
account = Рахунок
all-accounts-and-jars = Усі рахунки й банки
date-from = З
date-to = По
search-and-filters = Пошук і фільтри
search = Пошук
search-placeholder = Опис, коментар або контрагент
category = Категорія
category-any = Будь-яка
direction = Напрям
direction-both = Надходження й витрати
money-in = Надходження
money-out = Витрати
amount-from = Сума від
amount-to = до
order = Сортування
sort-newest = Спершу нові
sort-oldest = Спершу старі
sort-largest = Спершу найбільші
sort-smallest = Спершу найменші
rows-per-page = Рядків на сторінці
show = Показати
kyiv-times = Дати й час — за київським часом
download-csv = Завантажити CSV
statement-unvalued = { $n ->
    [one] { $n } операція в іншій валюті не входить у підсумки й діаграму: зараз не вдалося отримати курси Монобанку. Оновіть сторінку за хвилину.
    [few] { $n } операції в інших валютах не входять у підсумки й діаграму: зараз не вдалося отримати курси Монобанку. Оновіть сторінку за хвилину.
   *[many] { $n } операцій в інших валютах не входять у підсумки й діаграму: зараз не вдалося отримати курси Монобанку. Оновіть сторінку за хвилину.
}
statement-all-accounts = Усі рахунки й банки, підсумки в гривнях.
statement-transfers = { $n ->
    [1] 1 операція — переказ між вашими рахунками й банками: її позначено й не враховано в надходженнях, витратах і діаграмі.
    [one] { $n } операція — перекази між вашими рахунками й банками: їх позначено й не враховано в надходженнях, витратах і діаграмі.
    [few] { $n } операції — перекази між вашими рахунками й банками: їх позначено й не враховано в надходженнях, витратах і діаграмі.
   *[many] { $n } операцій — перекази між вашими рахунками й банками: їх позначено й не враховано в надходженнях, витратах і діаграмі.
}
statement-no-transfers = Перекази між вашими рахунками й банками не входять у підсумки.
statement-holds-pending = { $n ->
    [1] 1 блокування коштів у цьому періоді ще не завершене: банк може списати іншу суму або скасувати його; monoweb перевіряє його щогодини.
    [one] { $n } блокування коштів у цьому періоді ще не завершене: банк може списати інші суми або скасувати їх; monoweb перевіряє їх щогодини.
    [few] { $n } блокування коштів у цьому періоді ще не завершені: банк може списати інші суми або скасувати їх; monoweb перевіряє їх щогодини.
   *[many] { $n } блокувань коштів у цьому періоді ще не завершені: банк може списати інші суми або скасувати їх; monoweb перевіряє їх щогодини.
}
statement-fetched-up-to = Отримано до { $when }: новіші операції прийдуть з наступним запитом.
statement-fetched-up-to-expected = Отримано до { $when }: новіші операції прийдуть з наступним запитом, орієнтовно до { $expected }.
statement-register-webhook = Зареєструйте <a href="/webhook">вебхук</a> monoweb, щоб бачити їх одразу.
partial-label = Неповно:
statement-not-fetched = ще не отримано: { $missing }.
statement-expected = Монобанк відповідає лише на один запит виписки на хвилину; monoweb розраховує отримати її до { $expected }. Тоді оновіть сторінку.
statement-before-history = Цей період починається раніше за історію цього рахунку в monoweb (з { $from }); давніші дні завантажуються лише на ваш запит.
statement-fetch-older = Завантажити історію з { $from }
statement-progress = Історія цього рахунку в monoweb: { $done } з { $all } місячних періодів.
statement-progress-since = Історія цього рахунку в monoweb: { $done } з { $all } місячних періодів від { $from }.
unconfirmed-title = Не підтверджено банком
unconfirmed = не підтверджено
unconfirmed-text = { $n ->
    [1] Ця операція прийшла вебхуком без підпису Монобанку, тож ніщо не доводить, що її надіслав банк. Вона не входить у підсумки, діаграму, місяці й CSV, доки наступний запит виписки її не підтвердить або не прибере, якщо банк її не покаже.
    [one] { $n } операція прийшла вебхуком без підпису Монобанку, тож ніщо не доводить, що їх надіслав банк. Вони не входять у підсумки, діаграму, місяці й CSV, доки наступний запит виписки їх не підтвердить або не прибере, якщо банк їх не покаже.
    [few] Ці { $n } операції прийшли вебхуком без підпису Монобанку, тож ніщо не доводить, що їх надіслав банк. Вони не входять у підсумки, діаграму, місяці й CSV, доки наступний запит виписки їх не підтвердить або не прибере, якщо банк їх не покаже.
   *[many] Ці { $n } операцій прийшли вебхуком без підпису Монобанку, тож ніщо не доводить, що їх надіслав банк. Вони не входять у підсумки, діаграму, місяці й CSV, доки наступний запит виписки їх не підтвердить або не прибере, якщо банк їх не покаже.
}
totals = Підсумки
totals-partial = Підсумки (неповні)
totals-pending = Підсумки (не остаточні)
transactions = Операції
transactions-so-far = Операцій поки що
not-fetched-yet = ще не отримано
partial = неповно
pending = не остаточно
spending-by-category = Витрати за категоріями
chart-show-category = Показати операції категорії «{ $category }»
chart-others = Усі інші категорії
no-transactions = У цьому періоді немає операцій.
no-transactions-fetched = Для цього періоду ще не отримано жодної операції.
no-transactions-fetched-expected = Для цього періоду ще не отримано жодної операції; очікуємо до { $expected }.
transactions-of = Операції { $first }–{ $last } з { $count }
time = Час
date = Дата
description = Опис
amount = Сума
cashback = Кешбек
balance = Залишок
comment = Коментар
hold = блокування
own-transfer = власний переказ
pages = Сторінки
previous = Попередня
next = Наступна
choose-account = Оберіть один зі своїх рахунків або банок.
not-a-page = Такої сторінки у виписці немає.
choose-page-size = Оберіть 50, 100, 200 або 500 рядків на сторінці.
history-day-from = Укажіть день, не раніший за { $first } (перший день Монобанку).
history-requested = monoweb завантажує історію цього рахунку з { $from }, по місяцю щохвилини.

## Категорії витрат (групи MCC)

category-cafes-and-restaurants = Кафе й ресторани
category-cash = Готівка
category-charity = Благодійність
category-clothing-and-shoes = Одяг і взуття
category-digital-goods-and-subscriptions = Цифрові товари й підписки
category-education = Освіта
category-electronics = Електроніка
category-entertainment = Розваги
category-fuel = Пальне
category-groceries = Продукти
category-health-and-beauty = Здоров’я й краса
category-home-and-garden = Дім і сад
category-insurance = Страхування
category-services = Послуги
category-shopping = Покупки
category-taxes-and-government = Податки й держпослуги
category-transfers = Перекази
category-transport = Транспорт
category-travel = Подорожі
category-utilities-and-telecom = Комунальні послуги й зв’язок
category-other = Інше

## Місяці

this-year = Цей рік
months-intro = Усі рахунки й банки, у гривнях; перекази між вашими рахунками й банками не враховано. Кожен місяць веде до своєї виписки.
years = Роки
earlier = Раніше
later = Пізніше
months-chart-title = Надходження й витрати за місяцями
months-partial-note = Неповно або ще не отримано: частини місяця (чи всього місяця) ще немає в monoweb; суми зростатимуть, поки синхронізація завантажує історію. Давнішу історію можна замовити з <a href="/statement">виписки</a>.
month = Місяць
net = Сальдо
together = Усього
no-rates-title = Не вдалося прочитати курси Монобанку
without-rate = без курсу: { $n }
months-choose = Оберіть місяць у форматі РРРР-ММ, від 2017-11 (перший місяць Монобанку) до поточного.
months-bar-title = { $month }: надійшло { $in }, витрачено { $out }
months-bar-title-partial = { $month }: надійшло { $in }, витрачено { $out } (неповно)
months-bar-title-not-fetched = { $month }: надійшло { $in }, витрачено { $out } (ще не отримано)

## Повідомлення кількох сторінок

notice-token-rejected = { $when } Монобанк відхилив ваш токен: його відкликано або введено з помилкою. Замініть його на сторінці «Токен»; доти нічого не завантажується.
notice-access-revoked = { $when } доступ відкликано в застосунку Монобанку: підключіться знову на сторінці «Токен»; доти нічого не завантажується.
webhook-outcome-own-yours = Ваш вебхук Монобанку вів на { $from }; тепер він веде на власний приймач monoweb.
webhook-outcome-own-users = Вебхук Монобанку користувача { $name } вів на { $from }; тепер він веде на власний приймач monoweb.
webhook-outcome-removed-yours = Ваш вебхук Монобанку вів на { $from }; тепер його видалено.
webhook-outcome-removed-users = Вебхук Монобанку користувача { $name } вів на { $from }; тепер його видалено.
webhook-outcome-failed-yours = Ваш вебхук Монобанку досі веде на { $from }: не вдалося попросити Монобанк його відкликати. Оберіть власний приймач monoweb на сторінці «Вебхук».
webhook-outcome-failed-users = Вебхук Монобанку користувача { $name } досі веде на { $from }: не вдалося попросити Монобанк його відкликати. Оберіть власний приймач monoweb на сторінці «Вебхук».
webhook-outcome-unchecked-yours = Не вдалося перевірити ваш вебхук Монобанку; перегляньте сторінку «Вебхук».
webhook-outcome-unchecked-users = Не вдалося перевірити вебхук Монобанку користувача { $name }; перегляньте сторінку «Вебхук».

## Налаштування

new-key = Ваш новий ключ API «{ $name }». Скопіюйте його зараз: більше його не буде показано.
change-password = Змінити пароль
current-password = Поточний пароль
new-password = Новий пароль
new-password-short-hint = Щонайменше 12 символів.
new-password-again = Новий пароль ще раз
change-password-note = Зміна пароля завершує інші ваші сеанси й відкликає ключі API.
passwords-differ = Два нові паролі не збігаються.
password-changed = Пароль змінено. Інші ваші сеанси завершено.
language = Мова
language-pages = Мова сторінок
language-auto = Як у браузері
amounts = Суми
write-amounts-as = Формат сум
style-ukrainian = { $example } (український формат)
style-english = { $example } (англійський формат)
choose-style = Оберіть один із двох способів.
amounts-now = Тепер суми показуються у форматі { $example }.
save = Зберегти
active-sessions = Активні сеанси
device = Пристрій
address = Адреса
started = Почато
last-seen = Остання активність
end = Завершити
unknown = невідомо
unknown-client = Невідомий клієнт
this-browser = цей браузер
log-out-others = Завершити інші сеанси ({ $n })
no-other-sessions = Інших сеансів не було.
other-sessions-ended = { $n ->
    [one] Завершено { $n } інший сеанс.
    [few] Завершено { $n } інші сеанси.
   *[many] Завершено { $n } інших сеансів.
}
session-ended = Сеанс завершено.
api-keys = Ключі API
api-keys-intro = Для скриптів і систем розумного дому: вони надсилають до JSON API <code>Authorization: Bearer</code> і ключ замість входу. Ключ <em>для читання</em> може лише читати; ключ <em>для запису</em> може також замінити чи видалити токен, зареєструвати вебхук і замовити давнішу історію. Жоден ключ не може змінити пароль чи створити ключі; зміна пароля відкликає їх усі.
no-keys = Ключів ще немає.
key-name = Назва
key-may = Дозволено
key-starts-with = Починається з
key-made = Створено
key-last-used = Останнє використання
revoke = Відкликати
revoke-key = Відкликати ключ { $name }
new-key-name = Назва нового ключа
new-key-name-hint = Що ним користуватиметься, наприклад «home assistant».
key-it-may = Дозволено
scope-read = читати
scope-write = читати й записувати
choose-scope = Оберіть читання або запис.
create-key = Створити ключ
key-revoked = Ключ API відкликано.
never = ніколи

## Адміністрування

users = Користувачі
admin-intro = Створюйте користувачів, скидайте паролі й видаляйте користувачів командою <code>monoweb user …</code> на сервері.
user = Користувач
role = Роль
admin-token-attached = Токен додано
created = Створено
last-login = Останній вхід
status = Стан
role-admin = адміністратор
role-user = користувач
yes = так
no = ні
active = активний
disabled = вимкнений
disable = Вимкнути
enable = Увімкнути
admin-not-yourself = Не можна вимкнути власний обліковий запис.
admin-enabled = Користувача { $name } увімкнено.
admin-disabled = Користувача { $name } вимкнено.

## Вебхук

webhook-provider = Ви підключилися через застосунок Монобанку: нові операції надходять до monoweb через вебхук провайдера цього сервера, який підтримує адміністратор. Власного вебхука налаштовувати не треба.
webhook-intro = Монобанк може надсилати кожну нову операцію на URL одразу, як вона відбувається. З власним приймачем monoweb виписки й історія завжди свіжі, без очікування обмеження Монобанку «раз на хвилину».
webhook-reset-own = { $when } monoweb повернув ваш вебхук, бо { $why }: він вів на { $from }, а тепер веде на власний приймач monoweb. Його міг налаштувати той, хто користувався вашим обліковим записом; якщо це були ви, зареєструйте його знову нижче.
webhook-reset-removed = { $when } monoweb повернув ваш вебхук, бо { $why }: він вів на { $from }, а тепер його видалено. Його міг налаштувати той, хто користувався вашим обліковим записом; якщо це були ви, зареєструйте його знову нижче.
reset-cause-sessions = ваші інші сеанси було завершено
reset-cause-disabled = адміністратор вимкнув ваш обліковий запис
reset-cause-password = ваш пароль було змінено
webhook-own-registered = Власний приймач monoweb зареєстровано.
webhook-registered-through = Зареєстровано через monoweb:
webhook-own-again = Зареєструвати приймач monoweb знову
webhook-use-own = Використати власний приймач monoweb
webhook-or-url = Або власний URL
webhook-url-check = Монобанк спершу перевіряє URL запитом GET, на який має бути відповідь 200.
webhook-url = URL вебхука
webhook-url-hint = URL, що починається з http:// або https://.
webhook-register-url = Зареєструвати URL
webhook-registered = Вебхук зареєстровано.

## Токен

token-title = Токен Монобанку
token-title-connection = Підключення до Монобанку
token-title-disconnect = Відключити Монобанк
token-title-remove = Видалити токен Монобанку
disconnect-question = Відключити Монобанк?
disconnect-explained = monoweb перестане читати ваші рахунки й виписки з Монобанку й забуде доступ. Монобанк показуватиме його, доки ви не завершите його в застосунку. Щоб знову бачити нові дані, підключіться наново й підтвердьте в застосунку.
remove-question = Видалити токен, що закінчується на { $hint }?
remove-explained = monoweb перестане читати ваші рахунки й виписки з Монобанку й видалить вебхук, який зареєстрував із цим токеном. Щоб знову бачити нові дані, додайте токен наново.
disconnect = Відключити
remove = Видалити
remove-token = Видалити токен
keep-it = Залишити
access-revoked = { $when } доступ відкликано в застосунку Монобанку: підключіться знову. Доти нічого не завантажується.
connected-provider = Підключено через застосунок Монобанку з { $since }. Рахунки й виписки читаються ключем провайдера цього сервера. Відключення тут зупиняє читання; щоб завершити доступ і в Монобанку, завершіть його в застосунку.
token-ending-in = Додано токен, що закінчується на
token-attached-since = (з { $since }).
token-attached-since-changed = (з { $since }, змінено { $changed }).
token-not-confirmed = Монобанк його ще не підтвердив.
token-rejected-replace = { $when } Монобанк відхилив цей токен: його відкликано або введено з помилкою. З ним нічого не завантажується; замініть його нижче.
token-rejected-remove = { $when } Монобанк відхилив цей токен: його відкликано або введено з помилкою. З ним нічого не завантажується; видаліть його нижче, а тоді підключіться через застосунок Монобанку.
connect-title = Підключення через застосунок Монобанку
connect-approve = Підтвердьте доступ у застосунку Монобанку: на телефоні відкрийте посилання; на комп’ютері відскануйте код камерою телефона.
connect-open-app = Відкрити в застосунку Монобанку
connect-waiting = Чекаємо на ваше підтвердження (до { $until }). Сторінка перевіряє кожні 5 секунд.
check-now = Перевірити зараз
connect-expired = Термін дії останнього запиту минув або його відхилено: підключіться знову.
connect-explained = monoweb просить у Монобанку доступ на читання ваших рахунків і виписок. Ви підтверджуєте його в застосунку Монобанку; копіювати токен не треба, і завершити доступ там можна будь-коли.
connect-again = Підключитися знову
connect-monobank = Підключити Монобанк
connect-started = Відкрийте посилання на телефоні або відскануйте ним код і підтвердьте в застосунку Монобанку.
token-or-personal = Або додайте персональний токен: умови Монобанку дозволяють це для власного й сімейного користування.
token-none = Токен не додано.
token-get = Отримайте персональний токен на <strong>api.monobank.ua</strong> (відскануйте QR-код у застосунку Монобанку) і вставте його сюди. Він зберігається зашифрованим і більше ніколи не показується.
personal-token = Персональний токен API
personal-token-hint = 44 літери, цифри, «-» або «_».
replace-token = Замінити токен
attach-token = Додати токен
disconnect-note = Відключення зупиняє будь-яке читання з Монобанку; щоб відкликати доступ і в Монобанку, завершіть його в застосунку.
remove-note = Разом із токеном видаляється й вебхук, який monoweb зареєстрував із ним.
invalid-token = Недійсний токен.
token-attached = Токен додано.
token-attached-unconfirmed = Токен додано. Монобанк його ще не підтвердив; це зробить перша синхронізація.
token-replaced = Токен замінено.
token-replaced-unconfirmed = Токен замінено. Монобанк його ще не підтвердив; це зробить перша синхронізація.
token-removed = Токен видалено.

## Курси

rates-title = Курси валют
rates-updated = Оновлено { $when } ({ $age })
converter = Конвертер
rates-from = З
rates-to = У
convert = Перерахувати
swap = Поміняти
swap-title = Поміняти валюти місцями
rate-line = { $rate } за курсом купівлі банку.
rate-line-through-uah = { $rate } за курсом купівлі банку, через гривню: прямого курсу між цими валютами Монобанк не публікує.
all-rates = Усі курси
find-currency = Знайти валюту
find-currency-placeholder = USD, злотий, …
filter = Фільтрувати
show-all = Показати всі
rates-count = { $shown } з { $total } курсів.
rates-count-pinned = { $shown } з { $total } курсів; спершу долар, євро й злотий.
rates-explained = Курс — це гривні (або друга валюта) за одиницю: купівля й продаж банку або його крос-курс, якщо він публікує лише його.
rates-caption = Курси валют Монобанку
currency = Валюта
rate = Курс
rate-buy-sell = купівля / продаж
rate-cross = крос
rates-amount-range = Укажіть суму, більшу за 0 і не більшу за 1 000 000 000 000.
rates-choose-currency = Оберіть валюту зі списку.
rates-filter-length = Запит — щонайбільше 40 символів, як-от USD чи zloty.
rates-no-rate = Монобанк не публікує курсу між { $from } і { $to }.

## Речення сервісів на сторінках (англійський текст кожного — ключ, за яким сторінка шукає переклад).

said-login-failed = Неправильне ім’я користувача або пароль.
said-form-expired = Ця форма застаріла або прийшла не з цього сайту. Поверніться, оновіть сторінку й спробуйте ще раз.
said-form-unreadable = Не вдалося прочитати форму.
said-registration-closed = Реєстрацію закрито; попросіть обліковий запис в адміністратора.
said-user-exists = Користувач із таким ім’ям уже існує.
said-username-length = Ім’я користувача має містити від 3 до 32 символів.
said-password-length = Пароль має містити від 12 до 128 символів.
said-password-username = Пароль не може бути вашим ім’ям користувача чи містити назву застосунку.
said-password-common = Це один із найпоширеніших паролів; оберіть інший.
said-current-password-wrong = Поточний пароль неправильний.
said-blank = Це поле не може бути порожнім.
said-required = Це поле обов’язкове.
said-key-name = Назва ключа має містити від 1 до 64 символів.
said-no-such-key = Такого ключа API немає.
said-url-length = Це поле має містити не більше ніж 2048 символів.
said-url-invalid = Укажіть правильний URL, що починається з http:// або https://.
said-url-refused = Монобанк не прийняв цей URL: він має бути доступним і відповідати на GET кодом 200.
said-token-rejected = Монобанк відхилив цей токен.
said-stored-token-rejected = Монобанк відхилив збережений токен.
said-access-revoked = Доступ відкликано в застосунку Монобанку: підключіться знову.
said-token-already = Токен Монобанку вже додано.
said-token-not-added = Токен Монобанку ще не додано.
said-mono-error = Монобанк відповів помилкою.
said-mono-unreachable = Монобанк зараз недоступний.
said-mono-refusing = Монобанк тимчасово відхиляє запити з цього сервера; спробуйте пізніше.
said-accounts-not-read = Ваші рахунки ще не прочитано з Монобанку; спробуйте за хвилину.
said-db-busy = База даних зайнята; спробуйте ще раз.
said-db-unavailable = База даних недоступна.
said-exists = Таке вже існує.
said-date = Укажіть дату у форматі РРРР-ММ-ДД.
said-month = Укажіть місяць у форматі РРРР-ММ.
said-end-before-start = Кінцева дата не може бути раніше за початкову.
said-start-future = Початкова дата ще не настала.
said-ten-years = Запитуйте щонайбільше десять років за раз.
said-month-future = Місяць не може бути в майбутньому.
said-last-before-first = Останній місяць не може бути раніше за перший.
said-120-months = Запитуйте щонайбільше 120 місяців за раз.
said-first-month = Історія Монобанку починається з 2017-11; запитуйте цей місяць або пізніші.
said-direction = Оберіть надходження або витрати.
said-amount = Укажіть суму, як-от 250 чи 99.90 (без знака: напрям задає поле «Напрям»).
said-amounts-order = Найбільша сума не може бути меншою за найменшу.
said-search-control = Текст пошуку не може містити керувальних символів.
said-sort = Сортуйте за date, -date, amount або -amount.
said-no-control = Без керувальних символів, будь ласка.
said-admins-only = Це можуть робити лише адміністратори.
said-not-found = За цією адресою нічого немає. Можливо, посилання застаріле чи з помилкою.
said-not-found-short = Не знайдено.
said-method = Цей метод тут не підтримується.
said-too-large = Тіло запиту завелике.
said-too-slow = Тіло запиту не надійшло вчасно; з’єднання закрито.
said-internal = Внутрішня помилка сервера.
said-host = Цей сервер не обслуговує такого імені хоста.
said-cross-site = Міжсайтовий запит відхилено.
said-title-not-found = Сторінку не знайдено
said-title-internal = Щось пішло не так
said-title-method = Тут так не можна
said-title-forbidden = Заборонено
said-title-too-many = Забагато запитів
said-title-unavailable = Зараз недоступно
said-title-bad-request = Неправильний запит
said-title-unprocessable = Не вдалося обробити
said-title-bad-gateway = Помилка шлюзу
said-try-again-in = { $n ->
    [one] Забагато запитів. Спробуйте знову за { $n } секунду.
    [few] Забагато запитів. Спробуйте знову за { $n } секунди.
   *[many] Забагато запитів. Спробуйте знову за { $n } секунд.
}
connect-qr-label = QR-код посилання для підтвердження в застосунку Монобанку
said-invalid-input = Неправильні дані.
said-username-chars = Ім’я користувача може містити лише літери a-z, цифри, «.», «_» і «-».
said-username-start = Ім’я користувача має починатися з літери або цифри.
said-title-timeout = Час запиту сплив
said-title-conflict = Конфлікт
said-title-too-large = Запит завеликий
said-title-media-type = Непідтримуваний тип даних
said-media-type = Непідтримуваний тип даних: надсилайте тіло як application/json.
remember-me = Не виходити на цьому пристрої
remember-me-hint = { $days ->
    [one] { $days } день
    [few] { $days } дні
   *[many] { $days } днів
}, навіть якщо закрити браузер чи довго не заходити; не вмикайте на чужому комп’ютері. Вихід, зміна пароля чи «Завершити інші сеанси» все одно завершують сеанс.
session-remembered = вхід збережено до { $until }
session-remembered-title = Сеанс розпочато з позначкою «Не виходити на цьому пристрої»: він не завершується через бездіяльність.
cashback-line = кешбек { $amount }
balance-line = залишок { $amount }
said-password-short = Пароль має містити щонайменше { $min } символів (зараз { $chars }).
said-password-long = Пароль має містити не більше ніж { $max } символів.
said-too-many-keys = { $n ->
    [one] У вас уже { $n } ключ API; спершу відкличте один.
    [few] У вас уже { $n } ключі API; спершу відкличте один.
   *[many] У вас уже { $n } ключів API; спершу відкличте один.
}
said-search-length = Пошуковий запит — не більше ніж { $n } символів.
said-not-a-category = Такої категорії немає; оберіть одну зі списку.

## Валюти, які трапляються найчастіше (решта — з англійською назвою ISO 4217)

currency-uah = Українська гривня
currency-usd = Долар США
currency-eur = Євро
currency-pln = Польський злотий
currency-gbp = Британський фунт
currency-chf = Швейцарський франк
currency-czk = Чеська крона
currency-huf = Угорський форинт
currency-ron = Румунський лей
currency-mdl = Молдовський лей
currency-bgn = Болгарський лев
currency-sek = Шведська крона
currency-nok = Норвезька крона
currency-dkk = Данська крона
currency-jpy = Японська єна
currency-cny = Китайський юань
currency-cad = Канадський долар
currency-aud = Австралійський долар
currency-try = Турецька ліра
currency-gel = Грузинський ларі
currency-ils = Новий ізраїльський шекель
currency-aed = Дирхам ОАЕ
currency-kzt = Казахстанський тенге
currency-egp = Єгипетський фунт
currency-thb = Тайський бат
currency-inr = Індійська рупія
device-on = { $browser }, { $system }
