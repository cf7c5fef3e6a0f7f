"""The benchmark's questions: what a rep asks, the file that answers it and the fact (a string
the answer must contain, compared case- and space-insensitively). Questions marked
`paraphrased` share few words with the passage that answers them, as people often ask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Question:
    text: str
    document: str
    fact: str
    paraphrased: bool = False
    also: tuple[str, ...] = ()
    """The same fact as another file of the corpus writes it (the price list's row says
    "(EUR): 59" where the pricing page says "59 EUR"): an answer quoting it is right too."""

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.fact, *self.also)


QUESTIONS: Final = [
    # pricing-2026.md
    Question("How much does the Starter plan cost per seat?", "pricing-2026.md", "29 EUR"),
    Question(
        "What is the list price of the Growth plan?",
        "pricing-2026.md",
        "59 EUR",
        also=("Seats from: 20; Seats to: 99; Price per seat per month (EUR): 59",),
    ),
    Question("What is the minimum number of seats on Enterprise?", "pricing-2026.md", "100 seats"),
    Question(
        "What surcharge applies to monthly billing on Starter?", "pricing-2026.md", "15% surcharge"
    ),
    Question(
        "How much is the Conversation Intelligence add-on?", "pricing-2026.md", "18 EUR per seat"
    ),
    Question("What is the minimum price of Premium Support per year?", "pricing-2026.md", "6,000"),
    Question("How long is the free trial of the Growth plan?", "pricing-2026.md", "14 days"),
    Question("How is a paid pilot priced?", "pricing-2026.md", "50% of the list price"),
    Question("Which factor converts EUR prices to GBP?", "pricing-2026.md", "0.86"),
    Question(
        "Can a prospect try the product for nothing before buying, and for how long?",
        "pricing-2026.md",
        "14 days",
        paraphrased=True,
    ),
    Question(
        "If we pay month by month instead of yearly, is it more expensive?",
        "pricing-2026.md",
        "15%",
        paraphrased=True,
    ),
    # discount-approval-policy.md
    Question(
        "Who must approve a 15% discount?", "discount-approval-policy.md", "regional sales manager"
    ),
    Question(
        "Who approves a discount of 25%?", "discount-approval-policy.md", "the VP of Sales approves"
    ),
    Question(
        "Who can approve a discount above 30%?",
        "discount-approval-policy.md",
        "Chief Financial Officer",
    ),
    Question(
        "Up to which discount can an account executive approve alone?",
        "discount-approval-policy.md",
        "Up to 10%",
    ),
    Question(
        "How fast does the deal desk answer a discount request?",
        "discount-approval-policy.md",
        "within one business day",
    ),
    Question(
        "What extra discount does a three-year commitment earn?",
        "discount-approval-policy.md",
        "extra 5%",
    ),
    Question(
        "What discount do non-profits receive?", "discount-approval-policy.md", "standing 25%"
    ),
    Question(
        "How much can prices rise at renewal on a multi-year agreement?",
        "discount-approval-policy.md",
        "at most 7% per year",
    ),
    Question(
        "What do we get for paying all three years up front?",
        "discount-approval-policy.md",
        "earns 8%",
    ),
    Question(
        "My customer wants 35 percent off - whose approval do I need?",
        "discount-approval-policy.md",
        "Chief Financial Officer",
        paraphrased=True,
    ),
    Question(
        "Do charities and schools get a special price?",
        "discount-approval-policy.md",
        "25% discount",
        paraphrased=True,
    ),
    Question(
        "What happens to big price cuts offered in the final fortnight of the quarter?",
        "discount-approval-policy.md",
        "reviewed by the CFO",
        paraphrased=True,
    ),
    # release-notes.md
    Question(
        "When will the legacy REST API v1 be switched off?", "release-notes.md", "31 December 2026"
    ),
    Question(
        "How many custom objects does the Salesforce connector sync?",
        "release-notes.md",
        "up to 50 per organisation",
    ),
    Question(
        "Which release added EU data residency in Frankfurt?", "release-notes.md", "Release 4.1"
    ),
    Question("Which identity providers does single sign-on support?", "release-notes.md", "Okta"),
    Question(
        "Does the phone app work without a connection?",
        "release-notes.md",
        "offline mode",
        paraphrased=True,
    ),
    # support-and-slas.html
    Question(
        "What is the Severity 1 response time with Premium Support?",
        "support-and-slas.html",
        "30 minutes",
    ),
    Question(
        "What is the standard support response time for Severity 2?",
        "support-and-slas.html",
        "8 business hours",
    ),
    Question("What monthly uptime does Lumora commit to?", "support-and-slas.html", "99.9%"),
    Question(
        "What is the maximum service credit for downtime?",
        "support-and-slas.html",
        "up to 50% of the monthly fee",
    ),
    Question("Who gets a named customer success manager?", "support-and-slas.html", "150,000 EUR"),
    Question("How long does standard onboarding take?", "support-and-slas.html", "six weeks"),
    Question(
        "When can customers reach standard support?",
        "support-and-slas.html",
        "Monday to Friday from 8 am to 6 pm CET",
    ),
    Question(
        "What compensation do we owe if the service is down longer than promised?",
        "support-and-slas.html",
        "service credit",
        paraphrased=True,
    ),
    # objection-library.csv
    Question(
        "How do I answer a prospect who says Lumora is too expensive?",
        "objection-library.csv",
        "recover the subscription within two quarters",
    ),
    Question("What is the weekly active use of licensed seats?", "objection-library.csv", "87%"),
    Question(
        "A prospect says reps will not use another tool. What do I say?",
        "objection-library.csv",
        "Salesforce, HubSpot and Microsoft Teams",
    ),
    Question("How often are scores recalibrated?", "objection-library.csv", "every night"),
    Question(
        "The buyer doubts the AI gets it right - how to respond?",
        "objection-library.csv",
        "override any score",
        paraphrased=True,
    ),
    # implementation-checklist.txt
    Question(
        "How many months of closed opportunities do forecast scores need?",
        "implementation-checklist.txt",
        "12 months",
    ),
    Question(
        "How long does the first import of one million activities take?",
        "implementation-checklist.txt",
        "about four hours",
    ),
    Question(
        "When must the data access questionnaire be sent?",
        "implementation-checklist.txt",
        "five business days before kick-off",
    ),
    Question(
        "What permissions does the integration user need in the CRM?",
        "implementation-checklist.txt",
        "read access to opportunities",
        paraphrased=True,
    ),
    # master-subscription-agreement.docx
    Question(
        "How much notice is needed to prevent automatic renewal?",
        "master-subscription-agreement.docx",
        "60 days",
    ),
    Question(
        "What are the payment terms of invoices?",
        "master-subscription-agreement.docx",
        "within 30 days of the invoice date",
    ),
    Question(
        "What interest applies to late payments?",
        "master-subscription-agreement.docx",
        "1% per month",
    ),
    Question(
        "What is the liability cap in the MSA?",
        "master-subscription-agreement.docx",
        "fees paid in the 12 months",
    ),
    Question("Which law governs the agreement?", "master-subscription-agreement.docx", "Ireland"),
    Question(
        "Can the customer terminate the agreement for convenience?",
        "master-subscription-agreement.docx",
        "cannot be terminated for convenience",
    ),
    Question(
        "When does Lumora delete customer data after termination?",
        "master-subscription-agreement.docx",
        "within 90 days",
    ),
    Question(
        "If the client leaves an invoice unpaid, when can we cut off their access?",
        "master-subscription-agreement.docx",
        "45 days",
        paraphrased=True,
    ),
    # case-study-harbor-logistics.docx
    Question(
        "How much did forecast accuracy improve at Harbor Logistics?",
        "case-study-harbor-logistics.docx",
        "71% to 94%",
    ),
    Question(
        "How many reps use Lumora at Harbor Logistics?",
        "case-study-harbor-logistics.docx",
        "400",
    ),
    Question(
        "How much did the sales cycle shorten at Harbor Logistics?",
        "case-study-harbor-logistics.docx",
        "12 days",
    ),
    Question(
        "Who is quoted in the freight forwarder's customer story?",
        "case-study-harbor-logistics.docx",
        "Dana Whitfield",
        paraphrased=True,
    ),
    # security-faq.pdf
    Question("Is Lumora ISO 27001 certified?", "security-faq.pdf", "ISO/IEC 27001:2022"),
    Question("How is customer data encrypted at rest?", "security-faq.pdf", "AES-256"),
    Question("How often is a penetration test performed?", "security-faq.pdf", "twice a year"),
    Question(
        "What are the recovery point and recovery time objectives?",
        "security-faq.pdf",
        "recovery point objective is one hour",
    ),
    Question(
        "How quickly are customers notified of a personal data breach?",
        "security-faq.pdf",
        "within 48 hours",
    ),
    Question("How long are backups kept?", "security-faq.pdf", "35 days"),
    Question("Can customers bring their own encryption key?", "security-faq.pdf", "AWS KMS"),
    Question(
        "If we get hacked and personal information leaks, how soon will clients hear from us?",
        "security-faq.pdf",
        "48 hours",
        paraphrased=True,
    ),
    Question(
        "Can our own team attack the platform to check its defences?",
        "security-faq.pdf",
        "14 days of notice",
        paraphrased=True,
    ),
    # case-study-peak-dental.pdf
    Question(
        "How did the win rate change at Peak Dental Group?",
        "case-study-peak-dental.pdf",
        "22% to 31%",
    ),
    Question("How fast did Peak Dental go live?", "case-study-peak-dental.pdf", "31 days"),
    # competitive-battlecards.pptx
    Question("What does Vantora cost per seat?", "competitive-battlecards.pptx", "45 EUR per seat"),
    Question("What is our win rate against Quillstream?", "competitive-battlecards.pptx", "64%"),
    Question(
        "How does Quillstream charge for forecasting?",
        "competitive-battlecards.pptx",
        "40 USD per user",
    ),
    Question(
        "Where does the rival bundled with its own CRM keep customer data?",
        "competitive-battlecards.pptx",
        "United States only",
        paraphrased=True,
    ),
    # price-list-volume-and-services.xlsx
    Question(
        "What is the Enterprise price per seat from 500 seats?",
        "price-list-volume-and-services.xlsx",
        "Seats to: 1999; Price per seat per month (EUR): 85",
    ),
    Question(
        "How much does a custom CRM connector cost?",
        "price-list-volume-and-services.xlsx",
        "Price (EUR): 12000",
    ),
    Question(
        "What is the price of a training workshop day?",
        "price-list-volume-and-services.xlsx",
        "Price (EUR): 1800",
    ),
    Question(
        "We have 300 people on Growth: what does each one pay monthly?",
        "price-list-volume-and-services.xlsx",
        "Seats to: 999; Price per seat per month (EUR): 49",
        paraphrased=True,
    ),
]
