"""Demo data: staff accounts and a year of realistic responses for every screen.

``flask --app cat_survey seed-demo`` calls :func:`seed_demo`. It loads the catalog
and the surveys, creates an admin, a CX lead and advocates for every department
(random passwords, written owner-only to ``instance/demo-logins.txt``), then about
two thousand responses over the last twelve months.

The responses have the structure real ones have, so that dashboards and themes show
something worth looking at: NPS is lower for enterprise than for small customers and
improves a few points over the year, one month has an outage in which detractors and
complaints about reliability spike, about one response in eight stops midway, and
one in ten is in Japanese. Each simulated customer walks the survey with the flow
engine (:func:`cat_survey.domain.flow.position`), so every response obeys the
survey's ``when:`` branching exactly as a real conversation would.

Free text comes from the phrase bank below, written for the demo: at least fifteen
complaints per department plus praise and wishes, varied with openers, specifics and
the odd typo, so themes recur without repeating strings. It deliberately shares no
sentence with the routing catalog or the labelled routing test set, so routing the
demo data is not a test the router has already seen the answers to.
"""

import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import click
from flask import current_app
from sqlalchemy import func

from analysis.routing import CatalogError
from cat_survey.catalog import (
    definition_of,
    latest_version,
    load_departments,
    load_survey_file,
)
from cat_survey.db import db
from cat_survey.definitions import (
    DefinitionError,
    Question,
    SurveyDefinition,
    load_definition,
    survey_files,
)
from cat_survey.domain.accounts import create_user
from cat_survey.domain.flow import AnswerValue, position
from cat_survey.models import (
    Answer,
    Department,
    ResponseStatus,
    Role,
    Survey,
    SurveyResponse,
    SurveyVersion,
    User,
)

DEMO_DOMAIN = "demo.cat-survey.test"
LOGINS_FILE = "demo-logins.txt"
FLUSH_EVERY = 250
DAYS = 365
OUTAGE_DAYS_AGO = 150

# Relationship NPS is sent to everyone each quarter; the others to fewer people.
SURVEY_SHARES = {
    "relationship-nps": 0.55,
    "onboarding-csat": 0.20,
    "product-usability": 0.15,
    "exit-interview": 0.10,
}
OTHER_SURVEY_SHARE = 0.05
PARTIAL_SHARE = 0.12
CONSENT = {"yes": 0.30, "no": 0.55, None: 0.15}
CHANNELS = {"web": 0.6, "email": 0.3, "api": 0.1}
SEGMENTS = {"enterprise": 0.20, "mid-market": 0.35, "smb": 0.45}
# Mean mood (on the NPS scale) and share of angry customers, by segment.
# The gaps are wide enough that the segments keep their order in any year a seed
# and a date give (tests/cat_survey/test_demo.py checks many dates).
SEGMENT_MOOD = {
    "enterprise": (7.6, 0.14),
    "mid-market": (8.35, 0.08),
    "smb": (9.0, 0.05),
}
SURVEY_MOOD_SHIFT = {"exit-interview": -3.0, "onboarding-csat": 0.3}
# In the outage month moods drop, more customers are angry, complaints turn to Tech.
OUTAGE_MOOD_DROP = 1.2
OUTAGE_ANGRY_RISE = 0.18
OUTAGE_TECH_BOOST = 8
OUTAGE_PHRASE_SHARE = 0.6
PLANS = {
    "enterprise": {"business": 0.2, "enterprise": 0.8},
    "mid-market": {"team": 0.3, "business": 0.7},
    "smb": {"starter": 0.6, "team": 0.4},
}
REVENUE_TIERS = {
    "enterprise": {"50k-250k": 0.3, "250k-plus": 0.7},
    "mid-market": {"10k-50k": 0.5, "50k-250k": 0.5},
    "smb": {"under-10k": 0.7, "10k-50k": 0.3},
}
REGIONS = {"emea": 0.4, "amer": 0.4, "apac": 0.2}
JAPANESE_SHARE_IN_APAC = 0.5

FIRST_NAMES = (
    "Olivia", "James", "Amelia", "Noah", "Sofía", "Mateo", "Camille", "Louis",
    "Lukas", "Hannah", "Giulia", "Marco", "Aisha", "Omar", "Priya", "Rahul",
    "Chidi", "Ngozi", "Wei", "Mei", "Ji-woo", "Min-jun", "Lucas", "Beatriz",
    "Zofia", "Piotr", "Sven", "Astrid", "Fatima", "Yusuf", "Thandiwe", "Liam",
    "Chloe", "Diego", "Valentina", "Linh", "Anh", "Kwame", "Ama", "Isla",
    "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Takeshi", "Ren", "Hina",
)  # fmt: skip
JAPANESE_FIRST_NAMES = (
    "さくら", "健二", "由美", "翔太", "陽菜", "大輔", "美咲", "拓海", "直子",
    "博", "愛子", "蓮", "結衣", "恵美",
)  # fmt: skip


@dataclass(frozen=True)
class StaffMember:
    """A demo account to create: e-mail local part, role, department and name."""

    local_part: str
    role: str
    department: str | None
    name: str


STAFF_NAMES = {
    "cx": ("Kwame Mensah", "Haruka Sato"),
    "ui-design": ("Lea Fischer",),
    "sales": ("Daniel Okoye",),
    "marketing": ("Chloé Martin",),
    "outreach": ("Arjun Nair",),
    "branding": ("Isabel Costa",),
    "tech": ("Tomasz Nowak", "Mei Lin"),
    "product": ("Omar Haddad",),
    "client-success": ("Emily Walsh",),
}


@dataclass(frozen=True)
class Login:
    """A demo account's credentials, to print once and keep in the instance folder."""

    role: str
    department: str
    email: str
    password: str


# -- The phrase bank -----------------------------------------------------------


@dataclass(frozen=True)
class Phrases:
    """What customers say about one department: complaints, praise and wishes.

    ``asks`` are noun phrases ("faster first replies from support") that complete
    sentences such as "We'd need ...". ``outage`` complaints are said only in the
    outage month. ``{name}`` placeholders are filled from ``FILLERS`` (the month
    from the response's date).
    """

    complaints: tuple[str, ...] = ()
    praise: tuple[str, ...] = ()
    asks: tuple[str, ...] = ()
    outage: tuple[str, ...] = ()
    complaints_ja: tuple[str, ...] = ()
    praise_ja: tuple[str, ...] = ()
    asks_ja: tuple[str, ...] = ()
    outage_ja: tuple[str, ...] = ()


def parse_phrase_bank(text: str) -> dict[str, Phrases]:
    """Read ``[<department> <kind>]`` sections of one phrase per line."""
    sections: dict[str, dict[str, list[str]]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        if match := re.fullmatch(r"\[(\S+) (\w+)\]", line.strip()):
            lines = sections.setdefault(match[1], {}).setdefault(match[2], [])
        elif line.strip():
            lines.append(line.strip())
    return {
        slug: Phrases(**{kind: tuple(items) for kind, items in kinds.items()})
        for slug, kinds in sections.items()
    }


# One phrase a line, so that the bank reads (and is edited) like the content it is.
PHRASES = parse_phrase_bank(
    """
[cx complaints]
We waited {days} for a first reply on a ticket that was blocking our whole team.
Phone support kept us on hold for {minutes} minutes, twice in the same week.
Every time we open a case we get a different answer depending on who picks it up.
Support closes tickets before we confirm the fix works, so we keep reopening them.
The support chat promises a reply in minutes and then nobody joins the conversation.
We had to explain the same problem to three different support people from scratch.
Escalations go quiet for days and nobody tells us who owns the issue now.
Support replies with links to articles that have nothing to do with our question.
No support coverage in our time zone, so urgent issues wait until the next morning.
The support team was polite but it took {count} emails to get a straight answer.
We were promised a callback from support on {weekday} and it never happened.
Support response times have got noticeably worse since {month}.
Our premium support plan doesn't feel any faster than the basic one.
The support portal loses the thread when you reply by email, so history goes missing.
I asked support for an update {count} times and got the same canned reply each time.
Getting a refund approved by support took almost a month of back and forth.
[cx praise]
{agent} in support went above and beyond and stayed on the call until it was fixed.
Support answers quickly and actually understands our setup.
When something breaks, your support people own it until it is resolved.
Fast, friendly support, usually within the hour.
The support team follows up afterwards to check the fix held, which is rare.
Live chat support is excellent: real people who know the product.
[cx asks]
faster first replies from support
a support line that covers our time zone
one named support contact who knows our history
a clear response-time commitment on support tickets
[cx complaints_ja]
サポートからの返信に{days_ja}かかり、その間業務が止まりました。
電話サポートがつながるまで{minutes}分待たされました。
問い合わせるたびに担当者が変わり、毎回最初から説明しなければなりません。
日本の営業時間にサポートが対応していないのが困ります。
問題が解決する前にサポートのチケットが閉じられてしまいます。
[cx praise_ja]
サポートの方の対応がとても丁寧で、すぐに解決しました。
サポートへの問い合わせに返信が早く、いつも助かっています。
[cx asks_ja]
日本時間に対応してくれるサポート

[ui-design complaints]
The navigation is confusing; I still can't find the {area} page without searching.
Too many clicks for simple things, {area} is buried three menus deep.
The new layout moved everything around and nobody on my team can find anything.
Text is tiny and low contrast, which is hard on anyone with poor eyesight.
Buttons that look the same do completely different things on different screens.
The {area} screen is cluttered; I can never tell what matters.
On mobile the menus overlap and half the page is cut off.
Keyboard navigation is broken in the forms, a real accessibility problem for us.
Half the toolbar is unlabelled symbols, so new staff guess their way through it.
Save and cancel look identical, I have lost work more than once.
On a 13-inch laptop the {area} page is wider than the screen.
Error messages are vague red boxes that don't say what to fix.
Search only finds exact titles, so browsing the menus is the only way to find things.
Dark mode makes some of the charts unreadable.
Screen reader users on our team can't get through the settings pages at all.
Dates show in US format on every screen even though our account is set to Europe.
[ui-design praise]
Clean, uncluttered interface that my team picked up quickly.
The {area} screen is really well designed, everything is where I expect it.
It looks good and it's easy to find your way around.
The redesigned navigation made a big difference for us.
Works well on mobile, I can check things on the train.
Thoughtful little details in the design, it feels polished.
[ui-design asks]
a simpler navigation
an interface my team can use without a manual
forms that work with a keyboard and a screen reader
fewer clicks for everyday tasks
[ui-design complaints_ja]
画面のメニューが分かりにくく、目的の機能になかなかたどり着けません。
文字が小さくて読みにくいです。
新しいレイアウトになってから、どこに何があるのか分からなくなりました。
スマートフォンで画面の表示が崩れます。
[ui-design praise_ja]
画面がシンプルで、誰でもすぐに使えます。
デザインがすっきりしていて見やすいです。
[ui-design asks_ja]
もっと分かりやすい画面

[sales complaints]
Our invoice for {month} was wrong again and it took {days} to get a corrected one.
The price went up {percent} at renewal with barely any notice.
Pricing is confusing, we can't tell which plan we actually need.
Our {month} bill included {amount} for licences we cancelled weeks earlier.
Getting a quote took {days} and then it didn't match what the sales rep told us.
The contract terms changed between the call and the paperwork.
Invoices are missing our purchase order number, so our finance team rejects them.
The sales rep was pushy about upgrading when we just had a billing question.
We were billed twice in {month} and are still waiting for the credit note.
Annual-only contracts are hard to justify for a team our size.
VAT was applied incorrectly on our invoices for three months.
Nobody in sales answers once the contract is signed.
The add-on pricing feels like nickel-and-diming, every useful thing costs extra.
Our discount disappeared from the latest invoice without explanation.
Paying by bank transfer is a hassle, the invoice only shows card details.
Too expensive for what we actually use, the price should reflect that.
[sales praise]
Transparent pricing and no surprises on the invoice.
Our sales rep was honest about what we needed instead of upselling.
Worth every penny compared with what we paid before.
Signing took one afternoon, paperwork included.
Billing is simple and invoices always arrive on time.
[sales asks]
a fairer price for smaller teams
invoices that are right the first time
monthly billing instead of an annual contract
a clear price list without hidden add-ons
[sales complaints_ja]
請求書の金額が間違っていて、修正に{days_ja}かかりました。
契約更新の際に値上げの連絡がほとんどありませんでした。
料金プランが複雑で、どれを選べばいいのか分かりません。
請求書に発注番号が記載されておらず、経理で処理できません。
[sales praise_ja]
料金が明確で、請求書も正確です。
価格に見合う価値があります。
[sales asks_ja]
小規模チーム向けの手頃な料金

[marketing complaints]
{count} marketing emails a week is a lot, and opting out made no difference.
Your newsletter is basically spam, all upsell and no substance.
The website promises features that the product doesn't have yet.
Our team in Osaka receives your marketing emails in English only.
Your campaign emails still greet me as 'Dear FIRSTNAME', which looks sloppy.
The product pages on your website are vague, I couldn't tell what the tool does.
I keep getting promotional emails for a plan we already pay for.
Clicking unsubscribe in your mailings just leads to an error page.
Too many pop-ups and banners on the website asking me to sign up for things.
The case studies on your website are outdated and mention features you removed.
Your ads follow me everywhere after a single visit to the website, it feels creepy.
Email campaigns go to everyone in our company, even people who never use the product.
Blog posts are mostly fluff; I'd like more practical how-to content.
The marketing emails are so frequent that our team filters them straight to the bin.
The comparison charts in your ads oversell the product and made us trust it less.
The trial emails were pushy, three reminders a day near the end.
[marketing praise]
The monthly newsletter is genuinely useful, short and practical.
Your blog posts and guides helped us set things up.
Your website made it easy to explain the product to our director.
The product update emails are well written and to the point.
[marketing asks]
far fewer marketing emails
a website that matches what the product really does
emails we actually asked for
[marketing complaints_ja]
メールマガジンの配信が多すぎます。
配信停止したのに、まだ宣伝メールが届きます。
ウェブサイトの説明と実際の製品の機能が違います。
日本語を選んでいるのに、宣伝メールが英語で届きます。
[marketing praise_ja]
ニュースレターが実用的で役に立っています。
[marketing asks_ja]
宣伝メールを減らすこと

[outreach complaints]
The webinars are always at {hour} in our time zone, so we never make them live.
The community forum is full of unanswered questions from months ago.
Webinar recordings take weeks to appear, if they appear at all.
There are no user events outside the US, we'd love a meetup in Europe or Asia.
Your social media team deleted a critical comment instead of answering it.
The last webinar was a sales pitch dressed up as training.
Staff used to answer in the community forum; now threads sit there for weeks.
The user conference was expensive and the sessions were too basic.
I signed up for {event} and never got the joining link.
Your LinkedIn posts are great but the community feels abandoned.
The community Slack is so noisy that real questions get lost.
Event invitations arrive a few days before the date, too late to plan.
The webinar audio was so bad we gave up halfway.
The user group meetups were cancelled without any explanation.
Questions on your social channels get no reply, not even a like.
The forum has no moderation, the same questions get asked every week.
[outreach praise]
The webinars are excellent, practical and short.
I learn more from other customers in the community forum than from any manual.
Loved the user meetup in {city}, great to meet other customers.
Your team is active and friendly on social media.
The customer events are well organised and worth the time.
[outreach asks]
webinars in our time zone
a community forum where someone from your team answers
user events closer to us
[outreach complaints_ja]
ウェビナーの時間が日本の深夜で、参加できません。
日本でのユーザー会やイベントがありません。
コミュニティフォーラムの質問に誰も答えてくれません。
ウェビナーの録画がなかなか公開されません。
[outreach praise_ja]
ウェビナーの内容が実践的で勉強になります。
東京のユーザー会はとても有意義でした。
[outreach asks_ja]
日本時間のウェビナー

[branding complaints]
The tone of your emails is overly casual, it doesn't suit a business tool.
Since the rebrand your logo could belong to any startup.
Invoices, app and website each use different colours and fonts; it feels unfinished.
The jokey brand voice in error messages grates when something has actually gone wrong.
Your brand colours in report exports clash with ours, and we can't turn them off.
Your messaging keeps changing, first you were a survey tool, now some AI platform.
The rebrand confused our staff, they thought your emails were phishing.
Too many emojis in official communication for my taste.
The company name is spelled three different ways across your documents.
The mascot in the app feels childish for an enterprise product.
Your brand voice is arrogant in places, especially the comparison campaigns.
Sender names on your emails keep changing, so they look like phishing.
The printed brochures you sent don't match the look of the product at all.
The brand promise of simplicity doesn't match the experience.
The Japanese versions of your slogans sound unnatural.
The name change last year still confuses our procurement team.
[branding praise]
Love the friendly, human tone in everything you send.
A brand we are proud to tell our own customers we use.
Consistent look and feel everywhere, it feels like a serious company.
The brand feels trustworthy, which matters to our board.
[branding asks]
a more professional tone in your communication
one consistent brand across the app and the emails
[branding complaints_ja]
メールの文面がくだけすぎていて、社内で共有しにくいです。
ブランドの日本語表現が不自然に感じます。
アプリとウェブサイトでブランドの印象が違いすぎます。
新しいロゴに変わってから、フィッシングメールかと思いました。
[branding praise_ja]
ブランドに信頼感があり、安心して使えます。
[branding asks_ja]
落ち着いた、一貫したブランド

[tech complaints]
The app is painfully slow, the {area} page takes {seconds} seconds to load.
The API returns 500 errors under load and the rate limits aren't documented.
The {integration} integration silently stops syncing every few weeks.
Exports time out for anything larger than a few thousand rows.
There's a bug where the {area} page shows yesterday's numbers until you refresh twice.
Login with SSO fails at random and locks people out for the morning.
Webhooks fire twice or not at all, so our automation can't rely on them.
Every release seems to break something that used to work.
The mobile app crashes when uploading attachments.
Pages freeze in Safari; we had to tell everyone to use Chrome.
Half the code samples in the API docs fail against the current version.
Search is so slow that people stopped using it.
Scheduled reports often arrive empty because some background job failed.
The {area} page times out during our busiest hour every Monday.
Two outages in one quarter is not acceptable for a tool we use all day.
Uploads over a few megabytes fail with a generic error, a bug nobody fixes.
[tech praise]
Rock-solid reliability, I can't remember the last outage.
The API is well designed and easy to build on.
Fast, even with our large data volumes.
The {integration} integration just works.
Bugs we reported were fixed within days.
[tech asks]
a stable platform without outages
a faster app
a reliable {integration} integration
an API we can depend on
[tech complaints_ja]
画面の読み込みが遅く、レポートを開くのに{seconds}秒以上かかります。
APIのエラーが頻繁に発生します。
{integration}との連携が時々止まってしまいます。
アップデートのたびに不具合が出ます。
[tech praise_ja]
システムが安定していて、障害もほとんどありません。
動作が速く、ストレスがありません。
[tech asks_ja]
障害のない安定したシステム
[tech outage]
The outage in {month} took us offline for {hours} hours; the status page said all fine.
We lost data in the {month} outage and had to re-enter it by hand.
After the outage in {month} I no longer trust the platform with anything critical.
Nobody told us about the outage; we found out from our own customers.
The platform was down for most of a {weekday} and the only update was a tweet.
[tech outage_ja]
{month_ja}の障害で{hours}時間サービスが使えず、業務に大きな影響が出ました。
障害の連絡がなく、お客様からの問い合わせで初めて知りました。

[product complaints]
We still don't have {feature}, which we asked for over a year ago.
The roadmap never seems to include what customers actually vote for.
Reporting is too basic, we export everything to spreadsheets to get real answers.
There is no way to customise the workflow to how our team actually works.
Missing {feature} is the one thing stopping us from rolling it out to more teams.
Permissions are all or nothing; we need finer roles for contractors.
The product tries to do everything and does nothing really well.
Our engineers work in basements without signal and there is still no offline mode.
Features get announced at the conference and then take a year to ship.
We need proper multi-language support and it isn't there.
Dashboards can't be shared with people outside our account.
No bulk editing, so changing {count} hundred records is an afternoon of clicking.
The product has hardly changed in two years while others moved ahead.
Templates are too rigid, we can't adapt them to our industry.
No audit trail of who changed what, which our compliance team requires.
We need an approval step before things go live; right now anyone can publish.
[product praise]
Every release adds a feature we actually use.
Getting {feature} was a game changer for our team.
The roadmap is transparent and you ship what you promise.
Powerful features without feeling bloated.
The recent releases show you listen to customer feedback.
[product asks]
{feature}
better reporting
finer-grained permissions
a roadmap that reflects what customers ask for
[product complaints_ja]
{feature_ja}がまだ使えないのが一番の不満です。
レポート機能が物足りず、結局Excelで集計しています。
権限設定を細かくできません。
要望した機能がロードマップに反映されません。
[product praise_ja]
機能が充実していて、どんどん良くなっています。
{feature_ja}が追加されて作業がとても楽になりました。
[product asks_ja]
{feature_ja}

[client-success complaints]
After the kickoff call onboarding just stopped and we figured out the rest alone.
We've had {count} different account managers since we signed, each starting from zero.
Nobody contacted us before the renewal; the first we heard was the invoice.
The training sessions were too generic to be useful for our setup.
We never had a proper kickoff, so half our team still doesn't use it.
Our customer success manager only calls when it's time to renew.
Migrating our old data during onboarding took {weeks} weeks longer than planned.
There is no training material for new hires, so we train them ourselves.
The onboarding checklist assumes a technical admin, which we don't have.
The quarterly business reviews are slides about your product, not about our results.
We asked for a training session for our new team in {month} and are still waiting.
The renewal was a scramble, we had {days} to sign.
Nobody checked in after go-live to see how adoption was going.
Our success manager doesn't know our account, we explain our use case on every call.
The handover from sales to onboarding lost half of what we had agreed.
The onboarding guides are out of date, the screenshots don't match the product.
[client-success praise]
{agent}, our account manager, spots problems before we do.
Onboarding was smooth, we were live within {weeks} weeks.
The training sessions got our whole team confident quickly.
Renewal was painless and our success manager made sure we got value.
Regular check-ins from customer success keep us on track.
[client-success asks]
an account manager who knows our business
proper onboarding and training for new staff
a renewal conversation before the invoice arrives
[client-success complaints_ja]
導入支援が短すぎて、その後は自分たちで手探りでした。
担当者が何度も変わり、そのたびに説明し直しています。
契約更新の前に何の連絡もありませんでした。
研修の内容が一般的すぎて、自社の運用に合いませんでした。
[client-success praise_ja]
担当のカスタマーサクセスの方がとても親身で頼りになります。
導入がスムーズで、{weeks}週間で本番運用を始められました。
[client-success asks_ja]
きちんとした導入支援とトレーニング
"""
)

FILLERS: dict[str, tuple[str, ...]] = {
    "minutes": ("25", "30", "40", "45", "55", "70", "90"),
    "days": ("three days", "four days", "five days", "a week", "nearly two weeks",
             "10 days"),
    "days_ja": ("3日", "5日", "1週間", "2週間近く"),
    "count": ("3", "4", "5", "6", "7"),
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "area": ("reports", "dashboard", "settings", "user management", "billing",
             "analytics", "exports", "calendar", "notifications"),
    "feature": ("SSO", "audit logs", "custom fields", "scheduled exports",
                "a Slack integration", "bulk editing", "two-factor login",
                "custom dashboards", "approval workflows"),
    "feature_ja": ("シングルサインオン", "監査ログ", "カスタム項目", "一括編集",
                   "承認フロー"),
    "integration": ("Salesforce", "HubSpot", "Zendesk", "Slack", "Microsoft Teams",
                    "SAP", "Google Sheets"),
    "amount": ("€1,200", "$480", "£2,350", "¥180,000", "$3,900", "€640"),
    "percent": ("18%", "25%", "30%", "40%"),
    "hours": ("3", "4", "6", "9", "11"),
    "seconds": ("8", "12", "15", "20", "30"),
    "hour": ("3am", "2am", "11pm", "4am", "midnight"),
    "event": ("the roadmap webinar", "the Tokyo user meetup", "the admin training",
              "the spring customer summit"),
    "city": ("London", "Tokyo", "Chicago", "Berlin", "Sydney", "Osaka", "São Paulo"),
    "agent": ("Priya", "Tomás", "Yuki", "Grace", "Mehmet", "Lena", "Kenji"),
    "weeks": ("2", "3", "4", "6"),
}  # fmt: skip
MONTHS_JA = tuple(f"{number}月" for number in range(1, 13))

COMPETITORS = ("Pollster", "Feedbackly", "VoiceLoop", "SurveyNest", "Echo Insights",
               "Quorra", "Listenwise")  # fmt: skip
COMPETITOR_STRENGTHS = (
    "It's cheaper for a team our size.",
    "It has the reporting we kept asking you for.",
    "Their support answers within the hour.",
    "It works with {integration} out of the box.",
    "Simpler to use, our staff needed no training.",
    "Honestly, mostly the price.",
    "Better uptime so far.",
)
COMPETITOR_STRENGTHS_JA = (
    "価格が安いです。",
    "レポート機能が充実しています。",
    "サポートの対応が早いです。",
    "日本語の対応がしっかりしています。",
)

# Openers and closers by voice. Most real answers go straight to the point, so
# most draws are empty: hedges shared by many answers would otherwise look like a
# theme of their own.
PLAIN = ("",) * 12
OPENERS = {
    "complaint": (*PLAIN, "Honestly, ", "Main thing: ", "To be blunt, ",
                  "Biggest issue for us: ", "Frankly, ", "Please fix this. "),
    "wish": (*PLAIN, "Only gripe: ", "Would be a 10 if not for this: ",
             "Small thing, but ", "Mostly great, but ", "One thing: "),
    "suggest": (*PLAIN, "Small thing, but ", "Maybe this: ", "One thing: "),
    "praise": (*PLAIN, "Above all: ", "Easy: ", "Simply put: "),
}  # fmt: skip
CLOSERS = {
    "complaint": (*PLAIN, " Please sort it out.", " It's frustrating.",
                  " This has happened more than once.",
                  " We're looking at alternatives."),
    "wish": (*PLAIN, " Otherwise we're happy.", " The rest is great."),
    "suggest": (*PLAIN, " Otherwise it went well."),
    "praise": (*PLAIN, " Keep it up!", " Thank you.", " That's why we renewed."),
}  # fmt: skip
OPENERS_JA = {
    "complaint": ("", "", "正直なところ、", "率直に言って、"),
    "wish": ("強いて言えば、", "一点だけ、", ""),
    "suggest": ("強いて言えば、", ""),
    "praise": ("", "何より、"),
}
# Asks complete a sentence: what would bring a customer back, earn a 10, or help.
ASK_TEMPLATES = {
    "ask": ("{ask}.", "We'd need {ask}.", "If you had {ask}, we'd look again.",
            "{ask}, mainly.", "Honestly? {ask}."),
    "wish": ("Give us {ask} and it's a 10.", "{ask} would make it a 10.",
             "Just {ask}.", "We'd love {ask}."),
    "suggest": ("{ask} would help.", "Maybe {ask}.", "We'd love {ask}."),
}  # fmt: skip
ASK_TEMPLATES_JA = {
    "ask": ("{ask}があれば、また検討します。", "{ask}が実現すれば戻りたいです。"),
    "wish": ("{ask}があれば10点です。", "{ask}をお願いします。"),
    "suggest": ("{ask}があると助かります。",),
}
ALL_GOOD = ("Nothing really, it went well.", "No, all good so far.",
            "Not really, thanks for asking.", "Keep doing what you do.")  # fmt: skip
ALL_GOOD_JA = ("特にありません。順調でした。", "今のところ満足しています。")

# Which department a text answer is about, by question; tech rises in the outage.
TOPIC_WEIGHTS: dict[str, dict[str, float]] = {
    "complaint": {"cx": 16, "ui-design": 11, "sales": 13, "marketing": 7, "outreach": 5,
                  "branding": 4, "tech": 18, "product": 16, "client-success": 10},
    "praise": {"cx": 22, "ui-design": 12, "sales": 6, "marketing": 4, "outreach": 7,
               "branding": 4, "tech": 12, "product": 20, "client-success": 16},
    "hardest_part": {"cx": 10, "ui-design": 14, "sales": 6, "marketing": 2,
                     "outreach": 3, "branding": 1, "tech": 18, "product": 8,
                     "client-success": 30},
    "usability_comment": {"cx": 4, "ui-design": 45, "product": 25, "tech": 18,
                          "client-success": 6, "branding": 2},
}  # fmt: skip
QUESTION_TOPICS = {
    "hardest_part": "hardest_part",
    "onboarding_comment": "hardest_part",
    "usability_comment": "usability_comment",
}
SEGMENT_TOPIC_BOOST = {
    "enterprise": {"client-success": 1.5, "sales": 1.2, "product": 1.3},
    "smb": {"sales": 1.4, "cx": 1.2, "outreach": 1.2},
}
EXIT_REASON_TOPICS = {
    "price": {"sales": 30},
    "missing_features": {"product": 30},
    "reliability": {"tech": 30},
    "hard_to_use": {"ui-design": 30},
    "support": {"cx": 30},
    "competitor": {"product": 10, "sales": 10},
    "no_longer_needed": {"client-success": 15, "sales": 5},
}
EXIT_REASONS = {"price": 30, "missing_features": 25, "reliability": 20,
                "hard_to_use": 12, "support": 15, "competitor": 20,
                "no_longer_needed": 10}  # fmt: skip
# The voice of each known follow-up, given what its prompt asks.
VOICES = {
    "fix_first": "complaint",
    "make_it_ten": "wish",
    "value_most": "praise",
    "hardest_part": "complaint",
    "onboarding_comment": "light",
    "usability_comment": "change",
    "leave_reason": "complaint",
    "competitor_name": "competitor",
    "what_would_bring_back": "ask",
}
SKIP_CHANCE = {"fix_first": 0.12, "make_it_ten": 0.35, "value_most": 0.3,
               "hardest_part": 0.2, "onboarding_comment": 0.45,
               "usability_comment": 0.3, "leave_reason": 0.1,
               "competitor_name": 0.25, "what_would_bring_back": 0.3}  # fmt: skip
DEFAULT_SKIP_CHANCE = 0.25


# -- Customers and occasions -----------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """A customer account as the survey's hidden fields describe it."""

    ref: str
    first_name: str
    segment: str
    plan: str
    region: str
    revenue_tier: str
    locale: str

    @property
    def hidden(self) -> dict[str, str]:
        """The hidden fields a survey link would carry for this customer."""
        return {
            "customer_ref": self.ref,
            "first_name": self.first_name,
            "segment": self.segment,
            "plan": self.plan,
            "region": self.region,
            "revenue_tier": self.revenue_tier,
        }


@dataclass(frozen=True)
class Occasion:
    """When a response began: its time, how far through the year, and any outage."""

    started_at: datetime
    progress: float
    outage: bool


def weighted(rng: Random, weights: Mapping[Any, float]) -> Any:
    """One key of ``weights``, drawn with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_customers(rng: Random, count: int) -> list[Customer]:
    """A customer base with stable segments, plans, regions and locales."""
    refs = rng.sample(range(10_000, 100_000), count)
    customers = []
    for ref in refs:
        segment = weighted(rng, SEGMENTS)
        region = weighted(rng, REGIONS)
        japanese = region == "apac" and rng.random() < JAPANESE_SHARE_IN_APAC
        customers.append(
            Customer(
                ref=f"C-{ref}",
                first_name=rng.choice(
                    JAPANESE_FIRST_NAMES if japanese else FIRST_NAMES
                ),
                segment=segment,
                plan=weighted(rng, PLANS[segment]),
                region=region,
                revenue_tier=weighted(rng, REVENUE_TIERS[segment]),
                locale="ja" if japanese else "en",
            )
        )
    return customers


def outage_month(now: datetime) -> tuple[int, int]:
    """The (year, month) of the demo's outage, about five months ago."""
    day = now - timedelta(days=OUTAGE_DAYS_AGO)
    return day.year, day.month


def demo_occasion(rng: Random, now: datetime, outage: tuple[int, int]) -> Occasion:
    """A start time within the last year, mostly on working days."""
    while True:
        # At least an hour ago, so that answers never finish in the future.
        started_at = now - timedelta(seconds=rng.uniform(3600, DAYS * 86_400))
        if started_at.weekday() < 5 or rng.random() < 0.35:
            break
    progress = 1 - (now - started_at) / timedelta(days=DAYS)
    return Occasion(
        started_at=started_at,
        progress=progress,
        outage=(started_at.year, started_at.month) == outage,
    )


def demo_mood(rng: Random, customer: Customer, occasion: Occasion, slug: str) -> float:
    """How this customer feels, on the NPS scale (0-10, not yet rounded).

    Most customers are content (a normal spread around their segment's mean); a few
    are angry. Both improve slowly over the year and worsen in the outage month.
    """
    mean, angry = SEGMENT_MOOD[customer.segment]
    mean += 0.25 * (occasion.progress - 0.5) + SURVEY_MOOD_SHIFT.get(slug, 0.0)
    angry *= 1.1 - 0.2 * occasion.progress
    if occasion.outage:
        mean -= OUTAGE_MOOD_DROP
        angry += OUTAGE_ANGRY_RISE
    if rng.random() < angry:
        return rng.gauss(3.5, 1.8)
    return rng.gauss(mean, 1.6)


# -- Free text -------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Commenter:
    """Writes free-text answers from the phrase bank, in a voice and a locale."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng

    def fill(self, template: str, occasion: Occasion) -> str:
        """Replace ``{name}`` placeholders with specifics (months near the occasion)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in {"month", "month_ja"}:
                when = occasion.started_at
                if not occasion.outage:
                    when -= timedelta(days=self.rng.randint(20, 90))
                return (
                    when.strftime("%B")
                    if name == "month"
                    else MONTHS_JA[when.month - 1]
                )
            return self.rng.choice(FILLERS[name])

        return PLACEHOLDER.sub(value, template)

    def comment(
        self, voice: str, topic: str, *, locale: str, occasion: Occasion
    ) -> str:
        """A comment about ``topic`` (a department slug) in ``voice``."""
        phrases = PHRASES[topic]
        japanese = locale == "ja"
        if voice == "ask" or (voice in {"wish", "suggest"} and self.rng.random() < 0.4):
            asks = phrases.asks_ja if japanese else phrases.asks
            templates = (ASK_TEMPLATES_JA if japanese else ASK_TEMPLATES)[voice]
            text = self.rng.choice(templates).replace("{ask}", self.rng.choice(asks))
            return self.finish(self.fill(text, occasion), japanese=japanese)
        outage = phrases.outage_ja if japanese else phrases.outage
        if voice == "praise":
            bank = phrases.praise_ja if japanese else phrases.praise
        elif outage and occasion.outage and self.rng.random() < OUTAGE_PHRASE_SHARE:
            bank = outage
        else:
            bank = phrases.complaints_ja if japanese else phrases.complaints
        template = self.rng.choice(bank)
        if japanese:
            return self.rng.choice(OPENERS_JA[voice]) + self.fill(template, occasion)
        opener = self.rng.choice(OPENERS[voice])
        if opener and not opener.endswith(". "):
            # Lowered before filling, so names and products keep their capitals.
            template = lower_first(template)
        text = opener + self.fill(template, occasion) + self.rng.choice(CLOSERS[voice])
        return self.finish(text, japanese=False)

    def competitor(self, *, locale: str, occasion: Occasion) -> str:
        """Which tool a leaving customer moved to, and what it does better."""
        tool = self.rng.choice(COMPETITORS)
        if locale == "ja":
            return f"{tool}に移行しました。{self.rng.choice(COMPETITOR_STRENGTHS_JA)}"
        strength = self.fill(self.rng.choice(COMPETITOR_STRENGTHS), occasion)
        return self.finish(f"{tool}. {strength}", japanese=False)

    def all_good(self, *, locale: str) -> str:
        """A short "nothing to add" answer."""
        return self.rng.choice(ALL_GOOD_JA if locale == "ja" else ALL_GOOD)

    def finish(self, text: str, *, japanese: bool) -> str:
        """Capitalise, and now and then add the slips people make when typing fast."""
        if japanese:
            return text
        text = text[0].upper() + text[1:]
        if self.rng.random() < 0.15:
            text = self.typo(text)
        return text

    def typo(self, text: str) -> str:
        """One realistic slip: dropped apostrophes, swapped letters, no capital."""
        kind = self.rng.randrange(4)
        if kind == 0 and "'" in text:
            return text.replace("'", "")
        if kind == 1:
            words = text.split(" ")
            long_words = [
                i for i, word in enumerate(words) if word.isalpha() and len(word) > 4
            ]
            if long_words:
                i = self.rng.choice(long_words)
                word = words[i]
                cut = self.rng.randrange(1, len(word) - 2)
                words[i] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
                return " ".join(words)
        if kind == 2:
            return text.rstrip(".")
        return lower_first(text)


def lower_first(sentence: str) -> str:
    """Lower-case the first letter unless the first word is "I" or an acronym."""
    first_word = re.split(r"[\s,']", sentence, maxsplit=1)[0]
    if first_word == "I" or (len(first_word) > 1 and first_word[1].isupper()):
        return sentence
    return sentence[:1].lower() + sentence[1:]


# -- One respondent ----------------------------------------------------------------


class Respondent:
    """A simulated customer answering one survey, one question at a time."""

    def __init__(
        self,
        rng: Random,
        commenter: Commenter,
        *,
        customer: Customer,
        occasion: Occasion,
        slug: str,
    ) -> None:
        self.rng = rng
        self.commenter = commenter
        self.customer = customer
        self.occasion = occasion
        self.mood = demo_mood(rng, customer, occasion, slug)
        self.answers: dict[str, AnswerValue] = {}
        # The department each free-text answer is about (None for "all good" and
        # competitor names): the ground truth that themes and routing are scored on.
        self.departments: dict[str, str | None] = {}

    def walk(self, definition: SurveyDefinition) -> list[tuple[Question, AnswerValue]]:
        """Answer every question the flow engine asks, in order, until done."""
        given = []
        while (
            question := position(definition, self.answers, self.hidden).next
        ) is not None:
            value = self.answer(question)
            self.answers[question.id] = value
            given.append((question, value))
        return given

    @property
    def hidden(self) -> dict[str, str]:
        """Hidden fields, which ``when:`` conditions may read."""
        return self.customer.hidden

    def answer(self, question: Question) -> AnswerValue:
        """What this customer answers to ``question`` (None for a skip)."""
        if question.type == "text":
            return self.text(question)
        if question.is_scale:
            return self.scale(question)
        if question.id == "contact_consent":
            return weighted(self.rng, CONSENT)
        if question.type == "multi_choice":
            return self.multi_choice(question)
        if not question.required and self.rng.random() < 0.1:
            return None
        values = [option.value for option in question.options]
        if question.id == "come_back":
            return weighted(self.rng, {"yes": 25, "maybe": 40, "no": 35})
        return self.rng.choice(values)

    def scale(self, question: Question) -> int:
        """A number on the question's scale that agrees with the customer's mood."""
        low, high = question.min, question.max
        share = min(max(self.mood / 10, 0.0), 1.0)
        if question.type == "nps":
            return min(max(round(self.mood), 0), 10)
        if question.type in {"sus", "umux_lite"}:
            # Usability scores sit lower than loyalty: the SUS average is about 68.
            share = min(max((self.mood - 1.0) / 10, 0.0), 1.0)
            # Even SUS items are worded negatively: agreeing is a bad sign.
            if (
                question.type == "sus"
                and question.item is not None
                and question.item % 2 == 0
            ):
                share = 1 - share
            noise = self.rng.gauss(0, 0.7)
        else:
            noise = self.rng.gauss(0, 0.8)
        return min(max(round(low + (high - low) * share + noise), low), high)

    def multi_choice(self, question: Question) -> list[str]:
        """Between one and three options; exit reasons follow the year's troubles."""
        known = {option.value for option in question.options}
        weights = {
            value: weight
            * (3 if value == "reliability" and self.occasion.outage else 1)
            for value, weight in EXIT_REASONS.items()
            if value in known
        } or {value: 1.0 for value in known}
        howmany = min(weighted(self.rng, {1: 0.5, 2: 0.35, 3: 0.15}), len(weights))
        chosen: set[str] = set()
        while len(chosen) < howmany:
            chosen.add(weighted(self.rng, weights))
        order = [option.value for option in question.options]
        return sorted(chosen, key=order.index)

    def text(self, question: Question) -> str | None:
        """A free-text answer in the voice the question calls for, or a skip."""
        skip = SKIP_CHANCE.get(question.id, DEFAULT_SKIP_CHANCE)
        if not question.required and self.rng.random() < skip:
            return None
        voice = VOICES.get(question.id) or self.voice_for_mood()
        locale = self.customer.locale
        self.departments[question.id] = None
        if voice == "competitor":
            text = self.commenter.competitor(locale=locale, occasion=self.occasion)
        elif voice == "light":
            if self.rng.random() < 0.35:
                text = self.commenter.all_good(locale=locale)
            else:
                voice = "praise" if self.rng.random() < 0.4 else "suggest"
                text = self.comment(voice, question.id)
        elif voice == "change":
            # "One thing to change": a complaint when unhappy, else a suggestion.
            voice = "complaint" if self.mood < 7.5 else "suggest"
            text = self.comment(voice, question.id)
        else:
            text = self.comment(voice, question.id)
        if question.max_length:
            text = text[: question.max_length]
        return text

    def voice_for_mood(self) -> str:
        """The voice of a follow-up the demo does not know, from the mood."""
        if self.mood < 6.5:
            return "complaint"
        return "suggest" if self.mood < 8.5 else "praise"

    def comment(self, voice: str, question_id: str) -> str:
        """A comment in ``voice`` about a department chosen for this question."""
        topic = self.topic(voice, question_id)
        self.departments[question_id] = topic
        return self.commenter.comment(
            voice, topic, locale=self.customer.locale, occasion=self.occasion
        )

    def topic(self, voice: str, question_id: str) -> str:
        """The department a comment is about, weighted by question, segment, reasons."""
        if voice == "praise":
            weights = dict(TOPIC_WEIGHTS["praise"])
        else:
            weights = dict(TOPIC_WEIGHTS[QUESTION_TOPICS.get(question_id, "complaint")])
            reasons = self.answers.get("reasons")
            if isinstance(reasons, list):
                for reason in reasons:
                    for slug, extra in EXIT_REASON_TOPICS.get(reason, {}).items():
                        weights[slug] = weights.get(slug, 0) + extra
            if self.occasion.outage:
                weights["tech"] = weights.get("tech", 0) * OUTAGE_TECH_BOOST
        for slug, boost in SEGMENT_TOPIC_BOOST.get(self.customer.segment, {}).items():
            if slug in weights:
                weights[slug] *= boost
        return weighted(self.rng, weights)


# -- Seeding -------------------------------------------------------------------------


def seed_demo(
    *, responses: int = 2000, seed: int = 7, now: datetime | None = None
) -> str:
    """Create demo staff and ``responses`` survey responses; return what was done.

    The responses cover the year before ``now`` (default: the clock, read once here),
    so the same ``seed`` and ``now`` give the same data at any hour. Idempotent: when
    demo staff already exist nothing is added and the summary says so (with the
    saved logins). The caller commits.
    """
    if responses < 0:
        raise click.ClickException("--responses must be 0 or more")
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    versions = load_content()
    logins_path = Path(current_app.instance_path) / LOGINS_FILE
    if demo_staff_count():
        return already_seeded_summary(logins_path)

    rng = Random(seed)  # nosec B311 - reproducible fake data, not a secret
    logins = create_demo_staff()
    write_logins(logins_path, logins, now=now)
    add_demo_responses(rng, versions, total=responses, now=now)
    elapsed = time.perf_counter() - started
    return "\n".join(
        [
            f"Demo data seeded in {elapsed:.1f} s.",
            responses_summary(),
            "",
            f"Demo logins (saved to {logins_path}, readable only by you):",
            logins_table(logins),
        ]
    )


def load_content() -> dict[str, SurveyVersion]:
    """Load the department catalog and every survey; the latest version by slug."""
    try:
        load_departments(current_app.config["DEPARTMENTS_FILE"])
        for path in survey_files(current_app.config["SURVEYS_DIR"]):
            load_survey_file(path)
    except (CatalogError, DefinitionError) as error:
        raise click.ClickException(str(error)) from error
    versions = {}
    active = db.select(Survey).filter_by(is_active=True).order_by(Survey.slug)
    for survey in db.session.scalars(active):
        version = latest_version(survey)
        if version is not None:
            versions[survey.slug] = version
    return versions


def demo_staff_count() -> int:
    """How many demo accounts exist already."""
    return (
        db.session.scalar(
            db.select(func.count())
            .select_from(User)
            .where(User.email.like(f"%@{DEMO_DOMAIN}"))
        )
        or 0
    )


def demo_staff() -> list[StaffMember]:
    """The demo team: an admin, a CX lead and advocates for every department."""
    members = [
        StaffMember("admin", Role.ADMIN, None, "Morgan Ellis"),
        StaffMember("lead", Role.CX_LEAD, None, "Sofia Marquez"),
    ]
    for department in db.session.scalars(db.select(Department).order_by(Department.id)):
        names = STAFF_NAMES.get(department.slug, (f"{department.name} advocate",))
        for number, name in enumerate(names, start=1):
            local_part = (
                department.slug if number == 1 else f"{department.slug}-{number}"
            )
            members.append(
                StaffMember(local_part, Role.ADVOCATE, department.slug, name)
            )
    return members


def create_demo_staff() -> list[Login]:
    """Create the demo accounts with fresh random passwords."""
    logins = []
    for member in demo_staff():
        password = secrets.token_urlsafe(9)
        user = create_user(
            f"{member.local_part}@{DEMO_DOMAIN}",
            password,
            role=member.role,
            name=member.name,
            department_slug=member.department,
        )
        logins.append(
            Login(str(user.role), member.department or "-", user.email, password)
        )
    return logins


def logins_table(logins: Sequence[Login]) -> str:
    """The logins as an aligned plain-text table."""
    rows = [("role", "department", "email", "password")]
    rows += [
        (login.role, login.department, login.email, login.password) for login in logins
    ]
    role, department, email = (max(len(row[i]) for row in rows) for i in range(3))
    return "\n".join(
        f"  {row[0]:<{role}}  {row[1]:<{department}}  {row[2]:<{email}}  {row[3]}"
        for row in rows
    )


def write_logins(path: Path, logins: Sequence[Login], *, now: datetime) -> None:
    """Save the logins owner-only: they are real passwords to a running app."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "cat-survey demo logins (created by 'flask --app cat_survey seed-demo' on "
        f"{now:%Y-%m-%d %H:%M} UTC)\n{logins_table(logins)}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    # A file left by an earlier run keeps its old mode unless told otherwise.
    path.chmod(0o600)


def already_seeded_summary(logins_path: Path) -> str:
    """Say the demo data exists, with its counts and the saved logins."""
    lines = [
        f"Demo data is already there ({demo_staff_count()} demo staff); nothing added.",
        responses_summary(),
        "",
    ]
    if logins_path.exists():
        lines.append(f"Demo logins (from {logins_path}):")
        lines.append(logins_path.read_text(encoding="utf-8").rstrip())
    else:
        lines.append(
            f"The logins file {logins_path} is missing; the demo passwords were only "
            "shown when the demo data was first seeded."
        )
    return "\n".join(lines)


def responses_summary() -> str:
    """Responses per survey, complete and partial, from the database."""
    rows = db.session.execute(
        db.select(Survey.slug, SurveyResponse.status, func.count())
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .group_by(Survey.slug, SurveyResponse.status)
        .order_by(Survey.slug)
    ).all()
    by_survey: dict[str, Counter[str]] = {}
    for slug, status, count in rows:
        by_survey.setdefault(slug, Counter())[status] = count
    total = Counter[str]()
    for counts in by_survey.values():
        total.update(counts)
    width = max([len(slug) for slug in by_survey] + [5])
    lines = [
        f"Responses: {total.total()} "
        f"({total[ResponseStatus.COMPLETE]} complete, "
        f"{total[ResponseStatus.PARTIAL]} partial)"
    ]
    for slug, counts in by_survey.items():
        lines.append(
            f"  {slug.ljust(width)}  {counts.total():5d}  "
            f"({counts[ResponseStatus.COMPLETE]} complete, "
            f"{counts[ResponseStatus.PARTIAL]} partial)"
        )
    return "\n".join(lines)


def survey_counts(total: int, slugs: Sequence[str]) -> dict[str, int]:
    """Split ``total`` over the surveys by their shares (largest remainder)."""
    shares = {slug: SURVEY_SHARES.get(slug, OTHER_SURVEY_SHARE) for slug in slugs}
    whole = sum(shares.values())
    exact = {slug: total * share / whole for slug, share in shares.items()}
    counts = {slug: int(value) for slug, value in exact.items()}
    by_remainder = sorted(exact, key=lambda slug: counts[slug] - exact[slug])
    for slug in by_remainder[: total - sum(counts.values())]:
        counts[slug] += 1
    return counts


def simulated_respondents(
    rng: Random, slugs: Sequence[str], *, total: int, now: datetime
) -> Iterator[tuple[str, Respondent]]:
    """``total`` respondents over the last year, each with the survey they answer.

    The one simulation behind both :func:`add_demo_responses` (the database) and
    :func:`demo_comments` (labelled text for benchmarks), so both see the same data.
    """
    outage = outage_month(now)
    # Fewer customers than responses: many answer more than one survey a year.
    customers = demo_customers(rng, max(10, round(total * 0.7)))
    commenter = Commenter(rng)
    counts = survey_counts(total, slugs)
    plan = [slug for slug, count in counts.items() for _ in range(count)]
    rng.shuffle(plan)
    for slug in plan:
        yield (
            slug,
            Respondent(
                rng,
                commenter,
                customer=rng.choice(customers),
                occasion=demo_occasion(rng, now, outage),
                slug=slug,
            ),
        )


def add_demo_responses(
    rng: Random,
    versions: Mapping[str, SurveyVersion],
    *,
    total: int,
    now: datetime,
) -> None:
    """Simulate ``total`` responses in the year before ``now``; insert in batches."""
    if not versions or total == 0:
        return
    definitions = {slug: definition_of(version) for slug, version in versions.items()}
    batch: list[SurveyResponse] = []
    for simulated in simulated_responses(rng, definitions, total=total, now=now):
        batch.append(stored_response(versions[simulated.slug], simulated))
        if len(batch) >= FLUSH_EVERY:
            db.session.add_all(batch)
            db.session.flush()
            batch = []
    db.session.add_all(batch)
    db.session.flush()


def given_answers(
    rng: Random, definition: SurveyDefinition, respondent: Respondent
) -> tuple[list[tuple[Question, AnswerValue]], bool]:
    """What ``respondent`` answers before stopping, and whether it stopped midway."""
    given = respondent.walk(definition)
    partial = len(given) > 1 and rng.random() < PARTIAL_SHARE
    if partial:
        given = given[: rng.randint(1, len(given) - 1)]
    return given, partial


@dataclass(frozen=True)
class SimulatedAnswer:
    """One answer of a simulated response, with the moment it was given."""

    question: Question
    value: AnswerValue
    answered_at: datetime


@dataclass(frozen=True)
class SimulatedResponse:
    """A simulated response before it is stored: who answered, when, and what.

    ``departments`` maps each free-text question to the department its answer is
    about (None for "all good" and competitor names): the ground truth that themes
    and routing are scored on.
    """

    slug: str
    customer: Customer
    occasion: Occasion
    answers: tuple[SimulatedAnswer, ...]
    partial: bool
    channel: str
    departments: Mapping[str, str | None]

    @property
    def last_answered_at(self) -> datetime:
        """When the customer gave their last answer (or began, with none)."""
        if not self.answers:
            return self.occasion.started_at
        return self.answers[-1].answered_at

    @property
    def contact_consent(self) -> bool:
        """Whether the customer agreed to be contacted."""
        return any(
            answer.question.id == "contact_consent" and answer.value == "yes"
            for answer in self.answers
        )


def simulated_responses(
    rng: Random,
    definitions: Mapping[str, SurveyDefinition],
    *,
    total: int,
    now: datetime,
) -> Iterator[SimulatedResponse]:
    """``total`` responses to ``definitions`` (by slug) in the year before ``now``.

    Pure: no database and no clock, so the same ``rng`` state and ``now`` always give
    the same responses. Both the seeding and :func:`demo_comments` read this stream.
    """
    for slug, respondent in simulated_respondents(
        rng, list(definitions), total=total, now=now
    ):
        given, partial = given_answers(rng, definitions[slug], respondent)
        moment = respondent.occasion.started_at
        answers = []
        for question, value in given:
            # Customers take longer over words than over numbers.
            moment += timedelta(seconds=rng.uniform(20, 150) if question.type == "text"
                                else rng.uniform(3, 12))  # fmt: skip
            answers.append(SimulatedAnswer(question, value, moment))
        yield SimulatedResponse(
            slug=slug,
            customer=respondent.customer,
            occasion=respondent.occasion,
            answers=tuple(answers),
            partial=partial,
            channel=weighted(rng, CHANNELS),
            departments=respondent.departments,
        )


def stored_response(
    version: SurveyVersion, simulated: SimulatedResponse
) -> SurveyResponse:
    """The SurveyResponse row (with its answers) for one simulated response."""
    customer, finished = simulated.customer, simulated.last_answered_at
    return SurveyResponse(
        survey_id=version.survey_id,
        survey_version_id=version.id,
        token=secrets.token_urlsafe(24),
        status=ResponseStatus.PARTIAL if simulated.partial else ResponseStatus.COMPLETE,
        customer_ref=customer.ref,
        segment=customer.segment,
        hidden=customer.hidden,
        locale=customer.locale,
        channel=simulated.channel,
        contact_consent=simulated.contact_consent,
        started_at=simulated.occasion.started_at,
        updated_at=finished,
        completed_at=None if simulated.partial else finished,
        answers=[
            stored_answer(answer.question, answer.value, index, answer.answered_at)
            for index, answer in enumerate(simulated.answers)
        ],
    )


def stored_answer(
    question: Question, value: AnswerValue, index: int, answered_at: datetime
) -> Answer:
    """The Answer row for one value, in the column its type belongs in."""
    answer = Answer(
        question_id=question.id,
        question_type=question.type,
        position=index,
        answered_at=answered_at,
    )
    if isinstance(value, list):
        answer.choice_values = value
    elif isinstance(value, int):
        answer.number_value = float(value)
    elif value is not None:
        answer.text_value = value
    return answer


# -- Labelled comments for benchmarks -------------------------------------------------

SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"


def demo_comments(
    *,
    count: int,
    seed: int = 7,
    surveys_dir: str | Path = SURVEYS_DIR,
    now: datetime | None = None,
) -> list[tuple[str, str | None]]:
    """Free-text answers as :func:`seed_demo` writes them, with their department.

    No database or app is needed: the survey files are read directly and walked by
    the same simulated respondents as the seeding (:func:`simulated_respondents`),
    so themes and routing can be scored against what each answer is really about.

    Parameters
    ----------
    count : int
        Number of free-text answers wanted.
    seed : int, default 7
        Seed of the simulation; the same seed and ``now`` give the same answers.
    surveys_dir : str or Path, default the project's ``surveys/``
        Folder of survey definition files.
    now : datetime, optional
        End of the simulated year (it places the outage month); default now.

    Returns
    -------
    list of (str, str or None)
        ``(text, department slug)`` in the order answered; the slug is ``None`` for
        answers about no department ("No, all good so far.", a competitor's name).
    """
    if count <= 0:
        return []
    definitions = survey_definitions(surveys_dir)
    now = now or datetime.now(UTC)
    # About three text answers in four responses; simulate plenty and stop early.
    total = max(10, count * 3)
    rng = Random(seed)  # nosec B311 - reproducible fake data, not a secret
    comments: list[tuple[str, str | None]] = []
    for response in simulated_responses(rng, definitions, total=total, now=now):
        for answer in response.answers:
            question, text = answer.question, answer.value
            if question.type == "text" and isinstance(text, str) and text.strip():
                comments.append((text, response.departments.get(question.id)))
                if len(comments) == count:
                    return comments
    return comments


def survey_definitions(
    surveys_dir: str | Path = SURVEYS_DIR,
) -> dict[str, SurveyDefinition]:
    """The survey definitions of a folder, by slug in slug order (no database)."""
    definitions = map(load_definition, survey_files(surveys_dir))
    return {
        definition.slug: definition
        for definition in sorted(definitions, key=lambda d: d.slug)
    }
