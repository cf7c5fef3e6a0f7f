# ruff: noqa: E501, RUF001  (one question per line, read as a table; Japanese questions end in a full-width question mark)
"""The benchmark's questions: what a rep asks, the file that answers it and the fact (a string
the answer must contain, compared case- and space-insensitively), with

- `kind`: `lexical` (asked in the passage's own words), `paraphrase` (shares few content words
  with every sentence or row of its file that holds the fact: content-word Jaccard below
  `PARAPHRASE_MAX_JACCARD`, checked by tests/unit/bench/test_answer_quality_data.py) or
  `unanswerable` (close in topic to real passages, answered by none: the right answer is "the
  documents do not say");
- `language`: the question's language, which is its file's (ISO 639-1);
- `split`: `dev`, the questions retrieval and the responders may be tuned on, or `test`, the
  ones nobody looks at while tuning (decision 0105). Drawn once, seeded and stratified by
  kind and language, and written here so a split never changes silently; a new question gets
  its split written here when it is added, and the unit test pins the test split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Split = Literal["dev", "test"]
Kind = Literal["lexical", "paraphrase", "unanswerable"]

PARAPHRASE_MAX_JACCARD: Final = 0.2
"""A paraphrase's content words (the search tokenizer's, the question's asking words dropped)
overlap every unit holding its fact by less than this Jaccard index."""


@dataclass(frozen=True)
class Question:
    split: Split
    kind: Kind
    language: str
    document: str | None
    """The file that answers; None for an unanswerable question."""
    fact: str | None
    """What the answer must contain, as the file writes it; None when unanswerable."""
    text: str
    also: tuple[str, ...] = ()
    """The same fact as another file of the corpus writes it (the price list's row says
    "(EUR): 59" where the pricing page says "59 EUR"): an answer quoting it is right too."""

    @property
    def facts(self) -> tuple[str, ...]:
        return () if self.fact is None else (self.fact, *self.also)

    @property
    def paraphrased(self) -> bool:
        return self.kind == "paraphrase"

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


Q = Question

PRICING: Final = "pricing-2026.md"
DISCOUNTS: Final = "discount-approval-policy.md"
RELEASES: Final = "release-notes.md"
SUPPORT: Final = "support-and-slas.html"
OBJECTIONS: Final = "objection-library.csv"
IMPLEMENTATION: Final = "implementation-checklist.txt"
MSA: Final = "master-subscription-agreement.docx"
HARBOR: Final = "case-study-harbor-logistics.docx"
SECURITY: Final = "security-faq.pdf"
PEAK_DENTAL: Final = "case-study-peak-dental.pdf"
BATTLECARDS: Final = "competitive-battlecards.pptx"
PRICE_LIST: Final = "price-list-volume-and-services.xlsx"
DISCOVERY: Final = "discovery-call-playbook.md"
PARTNER: Final = "partner-program.md"
RENEWAL: Final = "renewal-playbook.md"
ONBOARDING: Final = "new-rep-onboarding.txt"
ROI: Final = "roi-benchmarks.csv"
DPA: Final = "data-processing-agreement-summary.pdf"
PREISLISTE: Final = "preisliste-dach.md"
VALMONT: Final = "etude-de-cas-valmont.html"
GUIA: Final = "guia-objeciones-es.docx"
JAPAN: Final = "faq-japan.md"

# fmt: off
QUESTIONS: Final = [
    Q("test", "lexical", "en", PRICING, "29 EUR", "How much does the Starter plan cost per seat?"),
    Q("test", "lexical", "en", PRICING, "59 EUR", "What is the list price of the Growth plan?", also=("Seats from: 20; Seats to: 99; Price per seat per month (EUR): 59",)),
    Q("dev", "lexical", "en", PRICING, "100 seats", "What is the minimum number of seats on Enterprise?"),
    Q("dev", "lexical", "en", PRICING, "15% surcharge", "What surcharge applies to monthly billing on Starter?"),
    Q("test", "lexical", "en", PRICING, "18 EUR per seat", "How much is the Conversation Intelligence add-on?"),
    Q("dev", "lexical", "en", PRICING, "6,000", "What is the minimum price of Premium Support per year?"),
    Q("test", "lexical", "en", PRICING, "14 days", "How long is the free trial of the Growth plan?"),
    Q("test", "lexical", "en", PRICING, "50% of the list price", "How is a paid pilot priced?"),
    Q("dev", "lexical", "en", PRICING, "0.86", "Which factor converts EUR prices to GBP?"),
    Q("dev", "paraphrase", "en", PRICING, "14 days", "Can a prospect try the product for nothing before buying, and for how long?"),
    Q("test", "paraphrase", "en", PRICING, "15%", "If we pay month by month instead of yearly, is it more expensive?"),
    Q("test", "lexical", "en", DISCOUNTS, "regional sales manager", "Who must approve a 15% discount?"),
    Q("dev", "lexical", "en", DISCOUNTS, "the VP of Sales approves", "Who approves a discount of 25%?"),
    Q("test", "lexical", "en", DISCOUNTS, "Chief Financial Officer", "Who can approve a discount above 30%?"),
    Q("test", "lexical", "en", DISCOUNTS, "Up to 10%", "Up to which discount can an account executive approve alone?"),
    Q("test", "lexical", "en", DISCOUNTS, "within one business day", "How fast does the deal desk answer a discount request?"),
    Q("dev", "lexical", "en", DISCOUNTS, "extra 5%", "What extra discount does a three-year commitment earn?"),
    Q("dev", "lexical", "en", DISCOUNTS, "standing 25%", "What discount do non-profits receive?"),
    Q("test", "lexical", "en", DISCOUNTS, "at most 7% per year", "How much can prices rise at renewal on a multi-year agreement?"),
    Q("dev", "lexical", "en", DISCOUNTS, "earns 8%", "What do we get for paying all three years up front?"),
    Q("test", "paraphrase", "en", DISCOUNTS, "Chief Financial Officer", "My customer wants 35 percent off - whose approval do I need?"),
    Q("dev", "paraphrase", "en", DISCOUNTS, "25% discount", "Do charities and schools get a special price?"),
    Q("test", "paraphrase", "en", DISCOUNTS, "reviewed by the CFO", "What happens to big price cuts offered in the final fortnight of the quarter?"),
    Q("test", "lexical", "en", RELEASES, "31 December 2026", "When will the legacy REST API v1 be switched off?"),
    Q("dev", "lexical", "en", RELEASES, "up to 50 per organisation", "How many custom objects does the Salesforce connector sync?"),
    Q("test", "lexical", "en", RELEASES, "Release 4.1", "Which release added EU data residency in Frankfurt?"),
    Q("dev", "lexical", "en", RELEASES, "Okta", "Which identity providers does single sign-on support?"),
    Q("test", "paraphrase", "en", RELEASES, "offline mode", "Does the phone app work without a connection?"),
    Q("test", "lexical", "en", SUPPORT, "30 minutes", "What is the Severity 1 response time with Premium Support?"),
    Q("dev", "lexical", "en", SUPPORT, "8 business hours", "What is the standard support response time for Severity 2?"),
    Q("test", "lexical", "en", SUPPORT, "99.9%", "What monthly uptime does Lumora commit to?"),
    Q("dev", "lexical", "en", SUPPORT, "up to 50% of the monthly fee", "What is the maximum service credit for downtime?"),
    Q("test", "lexical", "en", SUPPORT, "150,000 EUR", "Who gets a named customer success manager?"),
    Q("dev", "lexical", "en", SUPPORT, "six weeks", "How long does standard onboarding take?"),
    Q("dev", "lexical", "en", SUPPORT, "Monday to Friday from 8 am to 6 pm CET", "When can customers reach standard support?"),
    Q("dev", "paraphrase", "en", SUPPORT, "service credit", "What compensation do we owe if the service is down longer than promised?"),
    Q("dev", "lexical", "en", OBJECTIONS, "recover the subscription within two quarters", "How do I answer a prospect who says Lumora is too expensive?"),
    Q("test", "lexical", "en", OBJECTIONS, "87%", "What is the weekly active use of licensed seats?"),
    Q("dev", "lexical", "en", OBJECTIONS, "Salesforce, HubSpot and Microsoft Teams", "A prospect says reps will not use another tool. What do I say?"),
    Q("test", "lexical", "en", OBJECTIONS, "every night", "How often are scores recalibrated?"),
    Q("test", "paraphrase", "en", OBJECTIONS, "override any score", "The buyer doubts the AI gets it right - how to respond?"),
    Q("test", "lexical", "en", IMPLEMENTATION, "12 months", "How many months of closed opportunities do forecast scores need?"),
    Q("dev", "lexical", "en", IMPLEMENTATION, "about four hours", "How long does the first import of one million activities take?"),
    Q("test", "lexical", "en", IMPLEMENTATION, "five business days before kick-off", "When must the data access questionnaire be sent?"),
    Q("dev", "lexical", "en", IMPLEMENTATION, "read access to opportunities", "What permissions does the integration user need in the CRM?"),
    Q("test", "paraphrase", "en", IMPLEMENTATION, "read access to opportunities", "What rights must the service login that links to their sales system have?"),
    Q("dev", "lexical", "en", MSA, "60 days", "How much notice is needed to prevent automatic renewal?"),
    Q("dev", "lexical", "en", MSA, "within 30 days of the invoice date", "What are the payment terms of invoices?"),
    Q("test", "lexical", "en", MSA, "1% per month", "What interest applies to late payments?"),
    Q("dev", "lexical", "en", MSA, "fees paid in the 12 months", "What is the liability cap in the MSA?"),
    Q("test", "lexical", "en", MSA, "Ireland", "Which law governs the agreement?"),
    Q("test", "lexical", "en", MSA, "cannot be terminated for convenience", "Can the customer terminate the agreement for convenience?"),
    Q("dev", "lexical", "en", MSA, "within 90 days", "When does Lumora delete customer data after termination?"),
    Q("test", "paraphrase", "en", MSA, "45 days", "If the client leaves an invoice unpaid, when can we cut off their access?"),
    Q("dev", "lexical", "en", HARBOR, "71% to 94%", "How much did forecast accuracy improve at Harbor Logistics?"),
    Q("dev", "lexical", "en", HARBOR, "400", "How many reps use Lumora at Harbor Logistics?"),
    Q("test", "lexical", "en", HARBOR, "12 days", "How much did the sales cycle shorten at Harbor Logistics?"),
    Q("dev", "paraphrase", "en", HARBOR, "Dana Whitfield", "Who is quoted in the freight forwarder's customer story?"),
    Q("test", "lexical", "en", SECURITY, "ISO/IEC 27001:2022", "Is Lumora ISO 27001 certified?"),
    Q("dev", "lexical", "en", SECURITY, "AES-256", "How is customer data encrypted at rest?"),
    Q("test", "lexical", "en", SECURITY, "twice a year", "How often is a penetration test performed?"),
    Q("dev", "lexical", "en", SECURITY, "recovery point objective is one hour", "What are the recovery point and recovery time objectives?"),
    Q("test", "lexical", "en", SECURITY, "within 48 hours", "How quickly are customers notified of a personal data breach?"),
    Q("dev", "lexical", "en", SECURITY, "35 days", "How long are backups kept?"),
    Q("test", "lexical", "en", SECURITY, "AWS KMS", "Can customers bring their own encryption key?"),
    Q("dev", "paraphrase", "en", SECURITY, "48 hours", "If we get hacked and personal information leaks, how soon will clients hear from us?"),
    Q("test", "paraphrase", "en", SECURITY, "14 days of notice", "Can our own team attack the platform to check its defences?"),
    Q("dev", "lexical", "en", PEAK_DENTAL, "22% to 31%", "How did the win rate change at Peak Dental Group?"),
    Q("test", "lexical", "en", PEAK_DENTAL, "31 days", "How fast did Peak Dental go live?"),
    Q("dev", "lexical", "en", BATTLECARDS, "45 EUR per seat", "What does Vantora cost per seat?"),
    Q("test", "lexical", "en", BATTLECARDS, "64%", "What is our win rate against Quillstream?"),
    Q("test", "lexical", "en", BATTLECARDS, "40 USD per user", "How does Quillstream charge for forecasting?"),
    Q("dev", "paraphrase", "en", BATTLECARDS, "United States only", "Where does the rival bundled with its own CRM keep customer data?"),
    Q("dev", "lexical", "en", PRICE_LIST, "Seats to: 1999; Price per seat per month (EUR): 85", "What is the Enterprise price per seat from 500 seats?"),
    Q("dev", "lexical", "en", PRICE_LIST, "Price (EUR): 12000", "How much does a custom CRM connector cost?"),
    Q("test", "lexical", "en", PRICE_LIST, "Price (EUR): 1800", "What is the price of a training workshop day?"),
    Q("dev", "paraphrase", "en", PRICE_LIST, "Seats to: 999; Price per seat per month (EUR): 49", "We have 300 people on Growth: what does each one pay monthly?"),
    # Paraphrases added by decision 0105 for the first twelve files.
    Q("test", "paraphrase", "en", PRICING, "50% of the list price", "Is there a cheaper way to test the product on real users for two months?"),
    Q("dev", "paraphrase", "en", PRICING, "0.86", "What do buyers in the UK pay relative to the euro figure?"),
    Q("test", "paraphrase", "en", SUPPORT, "named customer success manager", "Do big accounts get their own dedicated contact on our side?"),
    Q("test", "paraphrase", "en", SUPPORT, "2,500 EUR", "Is getting the smallest plan up and running free of charge?"),
    Q("dev", "paraphrase", "en", MSA, "Dublin", "Which country's courts settle disputes over the contract?"),
    Q("test", "paraphrase", "en", MSA, "capped at the fees", "Is there a ceiling on what either side pays if things go wrong?"),
    Q("dev", "paraphrase", "en", SECURITY, "recovery point objective is one hour", "How old can the data be that we might lose in a disaster?"),
    Q("test", "paraphrase", "en", SECURITY, "at most 72 hours", "Could your engineers peek at our records without us knowing?"),
    Q("test", "paraphrase", "en", BATTLECARDS, "no decision", "Where do we usually lose deals when the prospect runs everything in Excel?"),
    Q("test", "paraphrase", "en", HARBOR, "1,200 employees", "How many staff does the freight company employ?"),
    Q("dev", "paraphrase", "en", PEAK_DENTAL, "22% to 31%", "Did the dentistry software vendor close more of its good opportunities?"),
    Q("test", "paraphrase", "en", PEAK_DENTAL, "grew by 9%", "How much bigger did the typical order get at the dental company?"),
    Q("dev", "paraphrase", "en", IMPLEMENTATION, "project owner", "Who must say yes before the customer starts using it for real?"),
    Q("dev", "paraphrase", "en", RELEASES, "forecast reminders in Teams", "Can managers get forecast nudges inside their chat tool?"),
    Q("dev", "paraphrase", "en", OBJECTIONS, "data residency in Frankfurt", "What do I say when they insist their information has to stay on this side of the Atlantic?"),
    Q("dev", "paraphrase", "en", DISCOUNTS, "3 pm CET", "When do I need to tell the deal desk by so the clock starts today?"),
    Q("test", "paraphrase", "en", PRICE_LIST, "Delivered in eight weeks", "How long until a bespoke integration with our CRM is ready?"),
    # discovery-call-playbook.md
    Q("test", "lexical", "en", DISCOVERY, "45 minutes", "How long should a discovery call be booked for?"),
    Q("test", "paraphrase", "en", DISCOVERY, "45 minutes", "How much time should I reserve in the calendar for a first meeting with a prospect?"),
    Q("test", "lexical", "en", DISCOVERY, "LUMEN checklist", "Which checklist qualifies an opportunity before the Proposal stage?"),
    Q("dev", "lexical", "en", DISCOVERY, "moved back to Nurture", "When does Revenue Operations move an opportunity back to Nurture?"),
    Q("dev", "paraphrase", "en", DISCOVERY, "Nurture", "What happens to a deal when we still haven't sat down with the decision-maker's boss after six weeks?"),
    Q("dev", "lexical", "en", DISCOVERY, "within 24 hours", "How soon must call notes be logged in the CRM?"),
    Q("dev", "paraphrase", "en", DISCOVERY, "within 24 hours", "By when should the write-up of a conversation go into our system?"),
    Q("test", "paraphrase", "en", DISCOVERY, "mutual action plan", "What does our internal advocate have to sign up to before the deal can progress past the first stage?"),
    # partner-program.md
    Q("dev", "lexical", "en", PARTNER, "20%", "What is the reseller margin for Gold partners?"),
    Q("test", "lexical", "en", PARTNER, "120 days", "How long does an approved deal registration protect the partner's margin?"),
    Q("dev", "paraphrase", "en", PARTNER, "120 days", "If a reseller flags a prospect to us first, how long is it theirs?"),
    Q("test", "lexical", "en", PARTNER, "8% of first-year value", "What referral fee does a Silver partner earn?"),
    Q("test", "paraphrase", "en", PARTNER, "three business days", "When our own rep and a reseller chase the same account, who settles it and how fast?"),
    Q("dev", "lexical", "en", PARTNER, "50% of its normal commission", "How much commission does the direct team get on partner-led deals?"),
    Q("test", "lexical", "en", PARTNER, "about six hours", "How long is the partner certification course?"),
    Q("dev", "paraphrase", "en", PARTNER, "two certified sales people", "How many trained sellers must a reseller have before moving up to the middle tier?"),
    # renewal-playbook.md
    Q("test", "lexical", "en", RENEWAL, "120 days before the end", "When does the renewal process start?"),
    Q("test", "lexical", "en", RENEWAL, "90 days before the end of term", "When does the account manager send the renewal quote?"),
    Q("test", "paraphrase", "en", RENEWAL, "90 days", "At what point should I get the new pricing offer to the customer ahead of their contract ending?"),
    Q("dev", "lexical", "en", RENEWAL, "below 60", "Which health score flags an account at risk?"),
    Q("dev", "paraphrase", "en", RENEWAL, "below half of licensed seats", "How do we spot a customer who is likely to walk away?"),
    Q("test", "paraphrase", "en", RENEWAL, "executive sponsor leaves", "Our main buyer just quit their job at the client - is that a warning sign?"),
    Q("dev", "lexical", "en", RENEWAL, "above 90% of licensed seats", "When should account managers propose extra seats?"),
    Q("dev", "paraphrase", "en", RENEWAL, "prorated", "How are licences added halfway through the year charged?"),
    # new-rep-onboarding.txt
    Q("dev", "lexical", "en", ONBOARDING, "80 points out of 100", "What is the pass mark for the mock demo certification?"),
    Q("dev", "lexical", "en", ONBOARDING, "25% of full quota", "What share of quota applies in a new hire's first quarter?"),
    Q("dev", "paraphrase", "en", ONBOARDING, "60% in the second", "How much of my target do I carry in my second three months?"),
    Q("test", "lexical", "en", ONBOARDING, "3,000 EUR per month", "How much guaranteed commission do new hires get?"),
    Q("test", "paraphrase", "en", ONBOARDING, "3,000 EUR", "Is there a safety net on pay while I am still learning the job?"),
    Q("test", "paraphrase", "en", ONBOARDING, "500 EUR bonus", "What reward does the colleague who looks after a newcomer get?"),
    Q("test", "lexical", "en", ONBOARDING, "Sales Academy", "Where do new account executives spend their first week?"),
    Q("dev", "paraphrase", "en", ONBOARDING, "first 90 days", "Who do I team up with when I join, and for how long?"),
    # roi-benchmarks.csv
    Q("dev", "lexical", "en", ROI, "Payback period: 9 months", "What is the payback period for healthcare technology customers?"),
    Q("test", "lexical", "en", ROI, "Hours saved per manager per week: 3.5", "How many hours per manager per week are saved in manufacturing?"),
    Q("test", "paraphrase", "en", ROI, "Payback period: 5 months", "For a freight company, how quickly does the investment come back?"),
    Q("dev", "paraphrase", "en", ROI, "after 6 months: 89%", "How close do software firms of medium size get to the real number after half a year?"),
    Q("dev", "lexical", "en", ROI, "after 6 months: 84%", "What forecast accuracy do manufacturing customers reach after 6 months?"),
    # data-processing-agreement-summary.pdf
    Q("dev", "lexical", "en", DPA, "The customer is the controller", "Who is the controller under the data processing agreement?"),
    Q("test", "lexical", "en", DPA, "once every 12 months", "How often may customers audit Lumora?"),
    Q("dev", "paraphrase", "en", DPA, "30 days of written notice", "Can the buyer's compliance people come and inspect us, and with how much warning?"),
    Q("dev", "lexical", "en", DPA, "Standard Contractual Clauses", "Which clauses cover access to EU data from the United States?"),
    Q("test", "paraphrase", "en", DPA, "Standard Contractual", "Can American engineers look at European records, and on what legal basis?"),
    Q("dev", "lexical", "en", DPA, "within 10 business days", "How soon are deletion certificates issued?"),
    Q("dev", "paraphrase", "en", DPA, "CSV format", "Will we get our information back before it is wiped, and in what form?"),
    Q("test", "lexical", "en", DPA, "business email addresses", "Which categories of personal data does Lumora process?"),
    # preisliste-dach.md (German)
    Q("dev", "lexical", "de", PREISLISTE, "95 EUR pro Nutzer", "Was kostet der Enterprise-Tarif pro Nutzer und Monat?"),
    Q("dev", "lexical", "de", PREISLISTE, "innerhalb von 14 Tagen", "Innerhalb welcher Frist sind Rechnungen fällig?"),
    Q("test", "paraphrase", "de", PREISLISTE, "drei Monaten", "Wie früh muss ein Kunde Bescheid geben, wenn er nach Ablauf des Jahres aussteigen will?"),
    Q("test", "lexical", "de", PREISLISTE, "57 CHF", "Was zahlen Kunden in der Schweiz für Growth?"),
    Q("test", "paraphrase", "de", PREISLISTE, "Frankfurt am Main", "In welcher Stadt steht der Server für Firmen aus der Bundesrepublik?"),
    Q("dev", "paraphrase", "de", PREISLISTE, "Betriebsrat", "Dürfen Arbeitnehmervertreter sich das Produkt vorher zeigen lassen?"),
    Q("test", "lexical", "de", PREISLISTE, "Artikel 28 DSGVO", "Nach welchem Artikel der DSGVO schließt Lumora den Auftragsverarbeitungsvertrag?"),
    Q("dev", "paraphrase", "de", PREISLISTE, "XRechnung", "Kann eine Behörde elektronisch abrechnen lassen?"),
    # etude-de-cas-valmont.html (French)
    Q("dev", "lexical", "fr", VALMONT, "180", "Combien de commerciaux compte Valmont Distribution ?"),
    Q("test", "lexical", "fr", VALMONT, "formule Enterprise", "Quelle formule Valmont a-t-elle choisie ?"),
    Q("dev", "lexical", "fr", VALMONT, "huit semaines", "Combien de temps a duré le déploiement chez Valmont ?"),
    Q("test", "paraphrase", "fr", VALMONT, "de 14 % à 4 %", "Le client lyonnais se trompe-t-il moins sur ses ventes attendues ?"),
    Q("dev", "paraphrase", "fr", VALMONT, "Microsoft Dynamics 365", "Avec quel logiciel de gestion client l'outil a-t-il été relié ?"),
    Q("test", "paraphrase", "fr", VALMONT, "quarante minutes", "Combien de temps durent maintenant les points hebdo sur les chiffres attendus ?"),
    Q("test", "lexical", "fr", VALMONT, "Claire Dumoulin", "Qui est cité dans l'étude de cas Valmont Distribution ?"),
    # guia-objeciones-es.docx (Spanish)
    Q("dev", "lexical", "es", GUIA, "piloto de pago de 60 días", "¿Qué proponemos si el cliente no tiene presupuesto este año?"),
    Q("test", "lexical", "es", GUIA, "de 9 a 18 horas", "¿En qué horario se ofrecen la formación y el soporte en español?"),
    Q("dev", "paraphrase", "es", GUIA, "pagan en USD", "Un comprador de Ciudad de México quiere abonar en su moneda local, ¿es posible?"),
    Q("test", "paraphrase", "es", GUIA, "se descuenta íntegramente", "¿Qué pasa con lo abonado por la prueba si después compra?"),
    Q("test", "lexical", "es", GUIA, "Nexo Comercial", "¿Quién es el distribuidor autorizado para los clientes de México?"),
    Q("dev", "paraphrase", "es", GUIA, "disponible en español", "¿La herramienta funciona en castellano para vendedores que no dominan otros idiomas?"),
    Q("dev", "lexical", "es", GUIA, "del 71% al 94%", "¿Cómo responder si el cliente ya usa Salesforce para las previsiones?"),
    # faq-japan.md (Japanese)
    Q("dev", "lexical", "ja", JAPAN, "9,800円", "Growth プランの月額料金はいくらですか？"),
    Q("test", "lexical", "ja", JAPAN, "東京リージョン", "日本のお客様のデータはどこに保管されますか？"),
    Q("test", "lexical", "ja", JAPAN, "午前9時から午後6時", "日本語のサポートの受付時間は？"),
    Q("dev", "lexical", "ja", JAPAN, "8週間", "標準的な導入期間はどのくらいですか？"),
    Q("test", "paraphrase", "ja", JAPAN, "株式会社サクラテック", "設定を手伝ってくれる会社はどこですか？"),
    Q("dev", "paraphrase", "ja", JAPAN, "銀行振込のみ", "クレジットカードでも決済できますか？"),
    Q("test", "lexical", "ja", JAPAN, "翌月末", "請求書払いの支払期限はいつですか？"),
    # Unanswerable: close in topic to real passages, answered by none of them.
    Q("test", "unanswerable", "en", None, None, "What is the list price of the Starter plan in Japanese yen?"),
    Q("test", "unanswerable", "en", None, None, "Does Lumora offer a discount for startups?"),
    Q("dev", "unanswerable", "en", None, None, "Is Lumora HIPAA compliant?"),
    Q("dev", "unanswerable", "en", None, None, "Does Lumora have a FedRAMP authorisation?"),
    Q("test", "unanswerable", "en", None, None, "How many employees does Peak Dental Group have?"),
    Q("test", "unanswerable", "en", None, None, "What is our win rate against Salesforce Einstein?"),
    Q("dev", "unanswerable", "en", None, None, "Does the Zendesk connector sync support tickets?"),
    Q("dev", "unanswerable", "en", None, None, "What uptime does Lumora commit to for the sandbox environment?"),
    Q("dev", "unanswerable", "en", None, None, "Which release added a Pipedrive connector?"),
    Q("test", "unanswerable", "en", None, None, "Can the liability cap be raised to twice the annual fees?"),
    Q("dev", "unanswerable", "en", None, None, "Who pays travel costs when a training workshop is held on site?"),
    Q("test", "unanswerable", "en", None, None, "What reseller margin do Platinum partners get?"),
    Q("test", "unanswerable", "en", None, None, "How many paid vacation days do new account executives get?"),
    Q("dev", "unanswerable", "en", None, None, "How long are Conversation Intelligence call recordings retained?"),
    Q("test", "unanswerable", "en", None, None, "Does SCIM provisioning work with OneLogin?"),
    Q("dev", "unanswerable", "en", None, None, "What commission rate do account executives earn on new business?"),
    Q("dev", "unanswerable", "de", None, None, "Bietet Lumora einen Rabatt für Start-ups in Österreich?"),
    Q("dev", "unanswerable", "fr", None, None, "Quel est le taux de réussite des commerciaux de Valmont Distribution ?"),
    Q("test", "unanswerable", "es", None, None, "¿Hay un distribuidor autorizado en Argentina?"),
    Q("test", "unanswerable", "ja", None, None, "Starter プランの日本円での価格はいくらですか？"),
]
# fmt: on
