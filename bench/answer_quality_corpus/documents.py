# ruff: noqa: E501  (document content reads best one table row or CSV record per line)
"""The corpus as content, and the files it becomes (Markdown, PDF, Word, PowerPoint, Excel,
HTML, CSV, plain text), generated with the same libraries the tests use: no binary fixtures.

Numbers repeat across documents on purpose (30 days, 12 months, percentages), as they do in a
real sales library, so a retriever must use the words around them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class CorpusFile:
    name: str
    kind: str
    """The ingestion kind: md, pdf, docx, pptx, xlsx, html, csv, txt."""
    content: bytes


PRICING_MD: Final = """# Lumora pricing 2026

This page is the reference for list prices of the Lumora platform from 1 January 2026. Prices
are per seat and per month, billed annually in advance unless a quote says otherwise.

## Plans

Lumora is sold in three plans. Every plan includes the forecasting workspace, the mobile app
and unlimited read-only viewers.

| Plan | List price | Minimum seats | Included |
|---|---|---|---|
| Starter | 29 EUR per seat per month | 5 seats | Forecast board, CRM sync for one CRM |
| Growth | 59 EUR per seat per month | 20 seats | Starter plus deal inspection, SAML single sign-on |
| Enterprise | 95 EUR per seat per month | 100 seats | Growth plus SCIM provisioning, sandbox, audit log export |

Monthly billing is available on Starter only, at a 15% surcharge over the annual price.

## Add-ons

The Conversation Intelligence add-on records and transcribes sales calls. It costs 18 EUR per
seat per month and requires the Growth or Enterprise plan. Premium Support adds 24/7 phone
support and costs 12% of the annual subscription value, with a minimum of 6,000 EUR per year.
A dedicated sandbox environment for Growth customers costs 4,000 EUR per year; it is included
in Enterprise.

## Free trials and pilots

Prospects can run a free trial of the Growth plan for 14 days with up to 10 seats. A paid pilot
lasts 60 days, is priced at 50% of the list price and is credited in full against the first
year if the customer signs within 30 days of the pilot's end.

## Currency and taxes

Prices are quoted in EUR, USD or GBP. USD prices are the EUR price multiplied by 1.1 and
rounded to the nearest dollar; GBP prices use a factor of 0.86. Prices exclude VAT and sales
tax.
"""

DISCOUNT_POLICY_MD: Final = """# Discount and approval policy

Owner: Revenue Operations. Applies to all new business and renewals from Q1 2026.

## Approval levels

Every discount is measured against the list price of the whole order, after add-ons.

- Up to 10%: the account executive may approve the discount on their own.
- From 11% to 20%: the regional sales manager must approve it in the CRM before the quote is sent.
- From 21% to 30%: the VP of Sales approves, and the deal desk reviews the margin.
- Above 30%: only the Chief Financial Officer can approve, and the request needs a written business case.

Approvals are requested with the Discount Request form on the opportunity. The deal desk
answers within one business day; requests sent after 3 pm CET count from the next day.

## Multi-year and prepayment

A three-year commitment paid annually earns an extra 5% on top of the approved discount, and
does not count toward the approval thresholds. Paying all three years up front earns 8%
instead of 5%.

## Non-profits and education

Registered non-profits and accredited schools receive a standing 25% discount on Starter and
Growth. This discount needs no approval, but it cannot be combined with any other discount.

## Quarter end

Discounts offered in the last two weeks of a quarter above 20% are reviewed by the CFO as
well, whatever the level that approved them. Never promise a customer an end-of-quarter price
in writing before it is approved.

## Renewals

At renewal, prices rise by at most 7% per year for customers on a multi-year agreement. For
other customers the uplift is decided by the account manager, between 3% and 9%.
"""

RELEASE_NOTES_MD: Final = """# Lumora release notes

## Release 4.3 (June 2026)

- Forecast scenarios: compare a best case and a commit case side by side, with the gap
  explained by deal.
- The Salesforce connector now syncs custom objects, up to 50 per organisation.
- Pipeline exports to CSV are up to four times faster.
- Deprecation: the legacy REST API v1 will be switched off on 31 December 2026. Customers must
  move to API v2 before that date.

## Release 4.2 (March 2026)

- Deal inspection highlights deals without a next step after 10 days of inactivity.
- HubSpot connector: two-way sync of deal stages is generally available.
- Microsoft Teams app: reps receive forecast reminders in Teams.
- The mobile app supports offline mode on iOS and Android.

## Release 4.1 (November 2025)

- Data residency in the EU: new customers can keep all data in the Frankfurt region.
- Audit log export to Splunk and to any S3 bucket (Enterprise plan).
- Single sign-on now supports Okta, Microsoft Entra ID and Google Workspace.
"""

SUPPORT_HTML: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support and service levels</title></head>
<body>
<h1>Support and service levels</h1>
<p>Standard support is included in every plan. Customers reach support through the in-app
chat and by email at support@lumora.example, Monday to Friday from 8 am to 6 pm CET.</p>
<h2>Response times</h2>
<table>
<tr><th>Severity</th><th>Standard support</th><th>Premium Support</th></tr>
<tr><td>Severity 1 (platform down)</td><td>4 business hours</td><td>30 minutes, 24/7</td></tr>
<tr><td>Severity 2 (major feature impaired)</td><td>8 business hours</td><td>2 hours</td></tr>
<tr><td>Severity 3 (question or minor issue)</td><td>2 business days</td><td>8 business hours</td></tr>
</table>
<h2>Availability commitment</h2>
<p>Lumora commits to 99.9% monthly uptime for the production service. If uptime falls below
the commitment, the customer receives a service credit of 10% of the monthly fee for each full
0.5% below 99.9%, up to 50% of the monthly fee. Credits must be claimed within 30 days of the
end of the affected month.</p>
<h2>Customer success</h2>
<p>Enterprise customers with more than 150,000 EUR of annual contract value get a named
customer success manager and quarterly business reviews. Other customers are served by the
pooled customer success team.</p>
<h2>Onboarding</h2>
<p>Standard onboarding takes six weeks: two weeks of CRM connection and data checks, two weeks
of configuration and two weeks of training. Onboarding is free for Growth and Enterprise and
costs 2,500 EUR for Starter.</p>
</body></html>
"""

OBJECTIONS_CSV: Final = """Objection,Response,Proof point
"It is too expensive","Compare the price with the cost of one missed forecast: customers recover the subscription within two quarters on average.","Harbor Logistics paid back its licence in five months."
"We already have forecasting in our CRM","CRM forecasting rolls up what reps type; Lumora scores each deal from activity data and shows the gap.","Forecast accuracy rose from 71% to 94% at Harbor Logistics."
"Our data cannot leave Europe","Lumora offers EU data residency in Frankfurt; data, backups and support access stay in the EU.","Available since release 4.1."
"Implementation will take too long","Standard onboarding takes six weeks and is free on Growth and Enterprise.","Peak Dental Group went live in 31 days."
"Reps will not use another tool","Lumora works inside Salesforce, HubSpot and Microsoft Teams, so reps keep their usual screens.","Weekly active use is 87% of licensed seats across customers."
"We are worried about AI accuracy","Every score comes with the activities that explain it, and managers can override any score.","Scores are recalibrated every night."
"""

IMPLEMENTATION_TXT: Final = """Lumora implementation checklist (for solution engineers)

Before kick-off
The customer names a project owner and a CRM administrator. The solution engineer sends the
data access questionnaire at least five business days before kick-off.

CRM connection
Lumora needs a CRM integration user with read access to opportunities, accounts, contacts,
activities and users. Write access is only needed for two-way stage sync. The first full
import of a CRM with one million activities takes about four hours.

Data checks
Forecast scores need at least 12 months of closed opportunities to be reliable. With less
history, Lumora runs in rules-only mode and explains this to managers in the app.

Go-live
Go-live needs sign-off from the customer's project owner. After go-live, the solution engineer
hands the account over to customer success within ten business days.
"""


def msa_paragraphs() -> list[tuple[str, str | None]]:
    """The master subscription agreement as (text, Word heading style or None)."""
    return [
        ("Lumora Master Subscription Agreement - Key terms summary", "Title"),
        (
            "This summary of the standard Master Subscription Agreement helps sales teams "
            "answer contract questions. Legal reviews every change to these terms.",
            None,
        ),
        ("Term and renewal", "Heading 1"),
        (
            "The initial subscription term is twelve months unless the order form states a "
            "longer term. Subscriptions renew automatically for successive periods of 12 "
            "months.",
            None,
        ),
        (
            "Either party may prevent renewal by giving written notice at least 60 days "
            "before the end of the current term.",
            None,
        ),
        ("Fees and payment", "Heading 1"),
        (
            "Invoices are issued annually in advance and are payable within 30 days of the "
            "invoice date. Late payments bear interest of 1% per month.",
            None,
        ),
        (
            "Lumora may suspend the service if an invoice remains unpaid 45 days after its "
            "due date, after giving ten days' written warning.",
            None,
        ),
        ("Liability", "Heading 1"),
        (
            "Each party's total liability is capped at the fees paid in the 12 months before "
            "the claim. The cap does not apply to breaches of confidentiality or to the "
            "customer's payment obligations.",
            None,
        ),
        ("Termination", "Heading 1"),
        (
            "The agreement cannot be terminated for convenience during a term. Either party may "
            "terminate for material breach that remains uncured 30 days after written notice.",
            None,
        ),
        (
            "After termination, the customer can export its data for 30 days; Lumora deletes "
            "all customer data within 90 days of termination.",
            None,
        ),
        ("Governing law", "Heading 1"),
        (
            "The agreement is governed by the laws of Ireland, and the courts of Dublin have "
            "exclusive jurisdiction. US customers may ask for the laws of the State of New "
            "York instead.",
            None,
        ),
    ]


def case_study_paragraphs() -> list[tuple[str, str | None]]:
    return [
        ("Case study: Harbor Logistics", "Title"),
        (
            "Harbor Logistics is a freight forwarder with 1,200 employees and 400 sales "
            "representatives in nine countries.",
            None,
        ),
        ("The challenge", "Heading 1"),
        (
            "Before Lumora, regional managers built the forecast in spreadsheets every Friday. "
            "The forecast missed the quarter by 18% on average and nobody trusted it.",
            None,
        ),
        ("The solution", "Heading 1"),
        (
            "Harbor Logistics rolled Lumora out to all 400 representatives on the Enterprise "
            "plan, connected to Salesforce, in seven weeks.",
            None,
        ),
        ("Results", "Heading 1"),
        (
            "Forecast accuracy rose from 71% to 94% within two quarters. Managers now spend "
            "three hours less per week on forecast calls.",
            None,
        ),
        (
            "The sales cycle shortened by 12 days because stalled deals are flagged early. "
            "Harbor Logistics paid back its licence in five months.",
            None,
        ),
        (
            '"Lumora turned our Friday guesswork into a number the board believes." - '
            "Dana Whitfield, Chief Revenue Officer, Harbor Logistics",
            None,
        ),
    ]


SECURITY_PAGES: Final = [
    [
        "Lumora Security and Compliance FAQ",
        "Version 2026.1 - for prospects and their security teams",
        "Certifications",
        "Lumora holds an ISO/IEC 27001:2022 certificate, renewed in February 2026.",
        "Our SOC 2 Type II report covers security, availability and confidentiality.",
        "The SOC 2 report is available under NDA from the trust portal.",
        "Penetration testing",
        "An independent firm performs a penetration test of the platform twice a year.",
        "Customers may run their own test once a year with 14 days of notice.",
    ],
    [
        "Encryption",
        "Customer data is encrypted at rest with AES-256 and in transit with TLS 1.2 or later.",
        "Enterprise customers can bring their own key managed in AWS KMS.",
        "Data residency and hosting",
        "Lumora runs on AWS. Customers choose the EU region (Frankfurt) or the US region",
        "(Oregon) when they sign; data never moves between regions.",
        "Backups are taken every hour and kept for 35 days.",
    ],
    [
        "Business continuity",
        "The recovery point objective is one hour and the recovery time objective is four hours.",
        "Disaster recovery is tested every six months.",
        "Incidents and privacy",
        "Lumora notifies affected customers of a personal data breach within 48 hours.",
        "Lumora acts as a processor under the GDPR and signs a data processing agreement.",
        "The list of subprocessors is published on the trust portal; customers get 30 days",
        "of notice before a new subprocessor is added.",
        "Access control",
        "Single sign-on with SAML 2.0 is available on the Growth and Enterprise plans.",
        "Lumora staff can access customer data only with the customer's approval,",
        "granted for at most 72 hours from the admin console.",
    ],
]

PEAK_DENTAL_PAGES: Final = [
    [
        "Customer story: Peak Dental Group",
        "Peak Dental Group sells practice software to 3,000 dental clinics in the UK.",
        "Its 60 sales reps used HubSpot and a weekly forecast call.",
        "Why they chose Lumora",
        "Peak Dental chose the Growth plan for its HubSpot two-way sync and its price.",
        "They went live in 31 days, with onboarding done fully remotely.",
    ],
    [
        "Outcomes after one year",
        "Win rate on qualified opportunities rose from 22% to 31%.",
        "Pipeline coverage is now reviewed daily instead of weekly.",
        "Average deal size grew by 9% as reps focused on multi-site groups.",
        '"We finally see which deals are real." - Priya Natarajan, Head of Sales',
    ],
]

BATTLECARD_SLIDES: Final[list[dict[str, object]]] = [
    {
        "title": "Competitive battlecard: Vantora",
        "bullets": [
            "Vantora is a forecasting add-on sold with its own CRM suite.",
            "Vantora lists at about 45 EUR per seat per month but requires its CRM.",
            "Vantora has no EU data residency; data is hosted in the United States only.",
        ],
        "notes": "Ask early where their data must live: EU residency usually ends the "
        "Vantora conversation.",
    },
    {
        "title": "Competitive battlecard: Quillstream",
        "bullets": [
            "Quillstream is a conversation-recording tool that added forecasting in 2025.",
            "Quillstream's forecasting only uses call data, not CRM activity.",
            "Quillstream charges for forecasting as a separate module of 40 USD per user.",
        ],
        "notes": "Win theme against Quillstream: forecasts built on every activity beat "
        "forecasts built on recorded calls alone.",
    },
    {
        "title": "Competitive battlecard: spreadsheets",
        "bullets": [
            "Most prospects still forecast in spreadsheets and weekly calls.",
            "Spreadsheet forecasts miss the quarter by 15% to 20% on average.",
        ],
        "notes": "Show the Harbor Logistics story: from 71% to 94% forecast accuracy.",
    },
    {
        "title": "Win rates",
        "table": [
            ["Competitor", "Win rate 2025", "Typical deal size"],
            ["Vantora", "58%", "80,000 EUR"],
            ["Quillstream", "64%", "45,000 EUR"],
            ["Spreadsheets", "41%", "30,000 EUR"],
        ],
        "notes": "Against spreadsheets we lose to no decision, not to a competitor.",
    },
]

PRICE_LIST_SHEETS: Final[dict[str, list[list[object]]]] = {
    "Volume tiers": [
        ["Plan", "Seats from", "Seats to", "Price per seat per month (EUR)"],
        ["Growth", 20, 99, 59],
        ["Growth", 100, 249, 54],
        ["Growth", 250, 999, 49],
        ["Enterprise", 100, 499, 95],
        ["Enterprise", 500, 1999, 85],
        ["Enterprise", 2000, "unlimited", 75],
    ],
    "Services": [
        ["Service", "Unit", "Price (EUR)", "Notes"],
        ["Onboarding for Starter", "one-off", 2500, "Free on Growth and Enterprise"],
        ["Custom CRM connector", "per connector", 12000, "Delivered in eight weeks"],
        ["Training workshop", "per day", 1800, "Remote or on site, up to 20 people"],
        ["Historical data import", "per CRM", 3500, "More than 24 months of history"],
    ],
}


# --- Documents added by decision 0105: more kinds of sales-enablement text, and four
# languages other than English (each written as a rep in that market would read it).

DISCOVERY_PLAYBOOK_MD: Final = """# Discovery call playbook

Owner: Sales Enablement. For account executives running a first meeting with a qualified lead.

## Before the call

Read the lead's last three activities in the CRM and the company's latest annual report. Book
45 minutes, never 30: a discovery call that runs short leaves the pain unquantified.

## The questions that qualify

Every opportunity is qualified with the LUMEN checklist before it may enter the Proposal stage:

- Loss: what does a missed forecast cost the prospect, in euros, per quarter?
- Users: how many sellers and managers would use the forecast every week?
- Money: is there a budget line this fiscal year, and who owns it?
- Executive: which executive sponsor will sign, and have we met them?
- Next step: is a dated next meeting in both calendars before we hang up?

## Exit criteria

An opportunity moves from Discovery to Solution Design only when the champion has agreed to a
mutual action plan with dates. Opportunities without a sponsor meeting after 45 days are
moved back to Nurture by Revenue Operations.

## After the call

Log the call notes within 24 hours and send the recap email the same day. The recap restates
the prospect's pain in their own words and proposes the next meeting.
"""

PARTNER_PROGRAM_MD: Final = """# Lumora partner program

Lumora sells through resellers and referral partners in addition to its direct team.

## Partner tiers

| Tier | Annual partner-sourced bookings | Reseller margin | Referral fee |
|---|---|---|---|
| Registered | no minimum | 10% | 5% of first-year value |
| Silver | 250,000 EUR | 15% | 8% of first-year value |
| Gold | 1,000,000 EUR | 20% | 10% of first-year value |

## Deal registration

A partner registers an opportunity in the partner portal before the first meeting with the
prospect. An approved registration protects the partner's margin for 120 days and can be
extended once by 60 days if the opportunity is still active. Two partners registering the same
prospect: the first approved registration wins.

## Channel conflict

When a direct account executive and a registered partner work the same opportunity, the
regional channel manager decides who leads within three business days. The direct team is
still paid on partner-led deals at 50% of its normal commission.

## Enablement

Partners must have two certified sales people before reaching Silver. Certification is an
online course of about six hours, free of charge, renewed every two years.
"""

RENEWAL_PLAYBOOK_MD: Final = """# Renewal and expansion playbook

Renewals are owned by account managers; customer success supports with usage data.

## Timeline

The renewal process starts 120 days before the end of the subscription term. The account
manager sends the renewal quote 90 days before the end of term, which leaves time before the
60-day notice deadline of the master subscription agreement.

## Health score

Each account has a health score from 0 to 100, built from weekly active use, executive
engagement and open support tickets. Accounts below 60 are flagged at risk and get a save plan
signed off by the regional director.

## Early signs of churn

- Weekly active use below half of licensed seats for four weeks in a row.
- The executive sponsor leaves the company.
- More than three Severity 2 tickets in a quarter.

## Expansion

Account managers propose extra seats when weekly active use stays above 90% of licensed seats
for a full quarter. Seats added in the middle of a term are prorated to the renewal date and
priced at the customer's current per-seat price.
"""

REP_ONBOARDING_TXT: Final = """New account executive onboarding (Lumora Sales Academy)

Week one
New account executives spend their first week in the Sales Academy: product training, the
discovery playbook and two shadowed customer calls. Laptop, CRM login and Lumora sandbox are
ready on day one.

Certification
By the end of week three every new hire presents a recorded mock demo to their manager. The
pass mark is 80 points out of 100; a second attempt is allowed after one week of coaching.

Ramp and quota
Quota ramps over the first two quarters: 25% of full quota in the first quarter and 60% in
the second. Full quota applies from the third quarter. New hires keep a guaranteed commission
of 3,000 EUR per month for their first three months.

Mentoring
Each new hire is paired with a buddy from another region for their first 90 days. Buddies
meet weekly and receive a 500 EUR bonus when the new hire closes a first deal.
"""

ROI_BENCHMARKS_CSV: Final = """Segment,Typical seats,Forecast accuracy before,Forecast accuracy after 6 months,Hours saved per manager per week,Payback period
"Mid-market software","40","68%","89%","2.5","7 months"
"Logistics and transport","250","71%","92%","3","5 months"
"Healthcare technology","60","64%","86%","2","9 months"
"Manufacturing","150","62%","84%","3.5","8 months"
"""

DPA_PAGES: Final = [
    [
        "Lumora Data Processing Agreement - summary for sales",
        "This summary explains the data processing agreement (DPA) that Lumora signs with",
        "every customer. The signed DPA prevails over this summary.",
        "Roles",
        "The customer is the controller and Lumora is the processor of personal data.",
        "Categories of data: names, business email addresses and CRM activity of the",
        "customer's employees and of their business contacts.",
    ],
    [
        "International transfers",
        "Customer data stays in the hosting region chosen at signature. Support staff in",
        "the United States may access EU data only under the Standard Contractual Clauses",
        "of the EU (module three), with a transfer impact assessment on file.",
        "Audits",
        "Customers may audit Lumora once every 12 months, on 30 days of written notice,",
        "at their own cost. The SOC 2 Type II report normally replaces an on-site audit.",
        "Deletion",
        "On request, Lumora returns customer data in CSV format before deletion. Deletion",
        "certificates are issued within 10 business days after deletion is complete.",
    ],
]

PREISLISTE_DE_MD: Final = """# Lumora Preisliste und Vertragsbedingungen für Deutschland, Österreich und die Schweiz

Gültig ab 1. Januar 2026. Alle Preise verstehen sich netto zuzüglich Umsatzsteuer.

## Preise

Der Growth-Tarif kostet 59 EUR pro Nutzer und Monat, der Enterprise-Tarif 95 EUR pro Nutzer
und Monat. Kunden in der Schweiz zahlen in Schweizer Franken: 57 CHF für Growth und 92 CHF
für Enterprise.

## Zahlungsbedingungen

Rechnungen werden jährlich im Voraus gestellt und sind innerhalb von 14 Tagen ohne Abzug
fällig. Öffentliche Auftraggeber können eine Zahlung per E-Rechnung im Format XRechnung
verlangen.

## Kündigung

Der Vertrag verlängert sich automatisch um jeweils zwölf Monate, wenn er nicht mit einer Frist
von drei Monaten zum Ende der Laufzeit schriftlich gekündigt wird.

## Datenschutz

Lumora schließt mit jedem Kunden einen Auftragsverarbeitungsvertrag nach Artikel 28 DSGVO.
Die Daten deutscher Kunden werden ausschließlich im Rechenzentrum Frankfurt am Main
gespeichert. Ein Betriebsrat kann vor der Einführung eine Produktvorführung mit Erläuterung
der Leistungsdaten erhalten; Lumora bewertet keine einzelnen Mitarbeitenden.
"""

FICHE_CLIENT_FR_HTML: Final = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Étude de cas : Groupe Valmont Distribution</title></head>
<body>
<h1>Étude de cas : Groupe Valmont Distribution</h1>
<p>Valmont Distribution est un grossiste en matériel électrique basé à Lyon, avec 180
commerciaux répartis dans 22 agences en France et en Belgique.</p>
<h2>Le défi</h2>
<p>Chaque directeur d'agence envoyait sa prévision par courriel le lundi. La direction
commerciale consolidait le tout à la main et découvrait les écarts trop tard pour agir.</p>
<h2>La solution</h2>
<p>Valmont a choisi la formule Enterprise, connectée à Microsoft Dynamics 365. Le déploiement
a duré huit semaines, formation des 22 directeurs d'agence comprise.</p>
<h2>Les résultats</h2>
<p>L'écart entre la prévision et le chiffre d'affaires réalisé est passé de 14 % à 4 % en
trois trimestres. Les réunions de prévision hebdomadaires sont passées de deux heures à
quarante minutes.</p>
<p>« Nous pilotons enfin le trimestre au lieu de le subir. » - Claire Dumoulin, directrice
commerciale, Valmont Distribution</p>
</body></html>
"""


def guia_objeciones_es_paragraphs() -> list[tuple[str, str | None]]:
    """The Spanish objection-handling guide, as (text, Word heading style or None)."""
    return [
        ("Guía de objeciones para el mercado español", "Title"),
        (
            "Esta guía reúne las objeciones más frecuentes de los clientes en España y "
            "Latinoamérica y la respuesta recomendada por el equipo de ventas.",
            None,
        ),
        ("«No tenemos presupuesto este año»", "Heading 1"),
        (
            "Proponga un piloto de pago de 60 días al 50% del precio de lista; el importe "
            "del piloto se descuenta íntegramente del primer año si el cliente firma.",
            None,
        ),
        ("«Nuestro equipo no habla inglés»", "Heading 1"),
        (
            "La aplicación está disponible en español, y la formación y el soporte en "
            "español se ofrecen de lunes a viernes de 9 a 18 horas, hora de Madrid.",
            None,
        ),
        ("«Necesitamos facturar en pesos mexicanos»", "Heading 1"),
        (
            "Lumora factura en EUR, USD o GBP. Los clientes de México pagan en USD a través "
            "de nuestro distribuidor autorizado, Nexo Comercial.",
            None,
        ),
        ("«Ya usamos Salesforce para las previsiones»", "Heading 1"),
        (
            "Salesforce suma lo que escriben los comerciales; Lumora puntúa cada "
            "oportunidad con la actividad real. El caso de Harbor Logistics muestra una "
            "precisión que pasó del 71% al 94%.",
            None,
        ),
    ]


JAPANESE_FAQ_MD: Final = """# Lumora 日本市場向けよくある質問

日本のお客様と販売パートナー向けの資料です。

## 価格と請求

日本のお客様には円建ての価格を提示します。Growth プランは1ユーザーあたり月額9,800円、Enterprise プランは1ユーザーあたり月額15,800円です。請求は年1回の前払いで、銀行振込のみ対応しています。

## データの保管場所

日本のお客様のデータは東京リージョンに保管され、国外に移転されることはありません。東京リージョンは2026年4月に提供を開始しました。

## 導入とサポート

日本語のサポートは平日の午前9時から午後6時まで受け付けています。標準的な導入期間は8週間で、販売パートナーの株式会社サクラテックが導入作業を担当します。

## 契約

契約期間は1年単位です。請求書払いの支払期限は請求書発行日の翌月末です。
"""


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF with one text line per entry (Helvetica, 14 pt leading), written with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        ops = ["BT /F1 10 Tf 14 TL 50 740 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(paragraphs: list[tuple[str, str | None]]) -> bytes:
    import docx

    document = docx.Document()
    for text, style in paragraphs:
        if style == "Title":
            document.add_heading(text, level=0)
        elif style:
            document.add_heading(text, level=int(style.rsplit(" ", 1)[1]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx_bytes(slides: list[dict[str, object]]) -> bytes:
    """Slides with a title, then bullets or a table, and speaker notes."""
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    for content in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = str(content["title"])
        body = slide.placeholders[1]
        bullets = content.get("bullets")
        if isinstance(bullets, list):
            body.text_frame.text = "\n".join(str(b) for b in bullets)
        table_rows = content.get("table")
        if isinstance(table_rows, list):
            rows = [list(map(str, r)) for r in table_rows]
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(1), Inches(2), Inches(8), Inches(2)
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    shape.table.cell(r, c).text = value
        slide.notes_slide.notes_text_frame.text = str(content["notes"])
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def corpus() -> list[CorpusFile]:
    """Every file of the corpus, generated afresh (deterministic content)."""
    return [
        CorpusFile("pricing-2026.md", "md", PRICING_MD.encode()),
        CorpusFile("discount-approval-policy.md", "md", DISCOUNT_POLICY_MD.encode()),
        CorpusFile("release-notes.md", "md", RELEASE_NOTES_MD.encode()),
        CorpusFile("support-and-slas.html", "html", SUPPORT_HTML.encode()),
        CorpusFile("objection-library.csv", "csv", OBJECTIONS_CSV.encode()),
        CorpusFile("implementation-checklist.txt", "txt", IMPLEMENTATION_TXT.encode()),
        CorpusFile("master-subscription-agreement.docx", "docx", docx_bytes(msa_paragraphs())),
        CorpusFile("case-study-harbor-logistics.docx", "docx", docx_bytes(case_study_paragraphs())),
        CorpusFile("security-faq.pdf", "pdf", pdf_bytes(SECURITY_PAGES)),
        CorpusFile("case-study-peak-dental.pdf", "pdf", pdf_bytes(PEAK_DENTAL_PAGES)),
        CorpusFile("competitive-battlecards.pptx", "pptx", pptx_bytes(BATTLECARD_SLIDES)),
        CorpusFile("price-list-volume-and-services.xlsx", "xlsx", xlsx_bytes(PRICE_LIST_SHEETS)),
        CorpusFile("discovery-call-playbook.md", "md", DISCOVERY_PLAYBOOK_MD.encode()),
        CorpusFile("partner-program.md", "md", PARTNER_PROGRAM_MD.encode()),
        CorpusFile("renewal-playbook.md", "md", RENEWAL_PLAYBOOK_MD.encode()),
        CorpusFile("new-rep-onboarding.txt", "txt", REP_ONBOARDING_TXT.encode()),
        CorpusFile("roi-benchmarks.csv", "csv", ROI_BENCHMARKS_CSV.encode()),
        CorpusFile("data-processing-agreement-summary.pdf", "pdf", pdf_bytes(DPA_PAGES)),
        CorpusFile("preisliste-dach.md", "md", PREISLISTE_DE_MD.encode()),
        CorpusFile("etude-de-cas-valmont.html", "html", FICHE_CLIENT_FR_HTML.encode()),
        CorpusFile("guia-objeciones-es.docx", "docx", docx_bytes(guia_objeciones_es_paragraphs())),
        CorpusFile("faq-japan.md", "md", JAPANESE_FAQ_MD.encode()),
    ]
