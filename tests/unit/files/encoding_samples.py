# ruff: noqa: RUF001  (accented, Greek and CJK letters are the point of these samples)
"""Short sales texts as reps' machines save them, generated per language and code page, for
measuring how often `encodings.decode_as` reads them wrongly (bench/encodings_heldout.py, and
bounds in tests/unit/files/test_ingestion_encodings_generated.py).

Each language has two disjoint vocabularies: DEV (names, cities, phrases the detector was
tuned on) and TEST (others, never looked at while tuning). A sample is a CSV export (a
header and one to three rows of name;city;amount), a sentence line with a name and a city,
or a short list, as Excel and mail clients write them. Seeded and deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

Split = Literal["dev", "test"]


@dataclass(frozen=True)
class Vocabulary:
    """Words of one language for one split: CSV headers (three fields joined by ";"),
    people or companies, cities, and short phrases a sales export or note holds."""

    headers: tuple[str, ...]
    names: tuple[str, ...]
    cities: tuple[str, ...]
    phrases: tuple[str, ...]


def _v(headers: str, names: str, cities: str, phrases: str) -> Vocabulary:
    return Vocabulary(
        tuple(headers.split("|")),
        tuple(names.split("|")),
        tuple(cities.split("|")),
        tuple(phrases.split("|")),
    )


# language -> (dev, test)
VOCABULARIES: Final[dict[str, tuple[Vocabulary, Vocabulary]]] = {
    "es": (
        _v(
            "Cliente;Ciudad;Importe|Nombre;Población;Precio",
            "José Muñoz|María Pérez|Íñigo Ibáñez|Ángela Núñez|Raúl Gómez|Begoña Sáenz|"
            "Andrés García|"
            "Inés Martínez|Víctor Ruíz|Álvaro Díaz",
            "Málaga|Córdoba|León|Cádiz|Logroño|A Coruña",
            "Propuesta para el próximo año|Gracias por su pedido|Pago a 30 días|"
            "El precio incluye la instalación|Reunión el miércoles",
        ),
        _v(
            "Contacto;Localidad;Total|Razón social;Provincia;Cuota",
            "Nuria Martín|Jesús Fernández|Sofía Domínguez|Óscar Rodríguez|Lucía Peña",
            "Almería|Ávila|Jaén|Cáceres|Alcalá de Henares|Gijón",
            "Le adjuntamos la oferta económica|Condiciones válidas hasta diciembre|"
            "Facturación trimestral|Renovación automática del contrato|Envío urgente",
        ),
    ),
    "de": (
        _v(
            "Kunde;Ort;Betrag|Firma;Stadt;Preis",
            "Jürgen Müller|Günther Schäfer|Käthe Weiß|Jörg Köhler|Bärbel Groß|Müller GmbH|"
            "Möbel Hübner|"
            "Frank Schröder|Lütke & Söhne|Renée Bauer",
            "München|Köln|Düsseldorf|Nürnberg|Göttingen|Lübeck",
            "Angebot für das nächste Jahr|Vielen Dank für Ihre Bestellung|Zahlbar in 30 Tagen|"
            "Größe und Gewicht|Gültig bis Ende März",
        ),
        _v(
            "Ansprechpartner;Straße;Summe|Händler;Region;Gebühr",
            "Sören Krüger|Björn Fuß|Uwe Bäcker|Hans Böhm|Grüner Bau AG|Dörte Schütz",
            "Würzburg|Lüneburg|Osnabrück|Saarbrücken|Fürth|Gießen",
            "Bitte bestätigen Sie den Auftrag|Lieferung frei Haus|Monatliche Gebühr pro Nutzer|"
            "Rückfragen gerne telefonisch|Verlängerung um zwölf Monate",
        ),
    ),
    "fr": (
        _v(
            "Client;Ville;Montant|Société;Région;Prix",
            "François Lefèvre|Hélène Dupré|Jérôme Bénard|Cécile Gaëtan|Noël Brûlé|Amélie Dubœuf|"
            "Benoît Lévêque|Élodie Masson|Agnès Crépin",
            "Besançon|Orléans|Nîmes|Périgueux|Béziers|Saint-Étienne",
            "Offre pour l’année prochaine|Merci pour votre commande|Payable à réception|"
            "Cœur de gamme, très demandé|Réunion prévue à 14 h",
        ),
        _v(
            "Interlocuteur;Département;Total|Raison sociale;Adresse;Tarif",
            "Thérèse Façon|Anaïs Léger|Loïc Mérel|Gérard Chênevert|Maëlle Rivière",
            "Nancy|Angoulême|Épinal|Châlons|Montréal|Lorient",
            "Veuillez confirmer la livraison|Remise de 15 % à la signature|"
            "Frais de déplacement inclus|Échéance au 30 juin|Où en êtes-vous ?",
        ),
    ),
    "pt": (
        _v(
            "Cliente;Cidade;Valor|Empresa;Estado;Preço",
            "João Conceição|Luís Gonçalves|Inês Araújo|Antônio Simões|Conceição Magalhães",
            "São Paulo|Belém|Florianópolis|Maringá|Goiânia|Guimarães",
            "Proposta para o próximo ano|Obrigado pelo seu pedido|Condições de pagamento|"
            "Atenção às promoções|Reunião na terça-feira",
        ),
        _v(
            "Contato;Município;Total|Razão social;Região;Mensalidade",
            "Sebastião Guimarães|Fátima Brandão|Estêvão Lima|Mônica Assunção|Vitória Frazão",
            "Ribeirão Preto|Jundiaí|Macapá|Petrópolis|Viçosa|Bragança",
            "Informações sobre as licenças|Renovação automática|Cotação válida até março|"
            "As instalações estão prontas|Emissão das notas fiscais",
        ),
    ),
    "it": (
        _v(
            "Cliente;Città;Importo|Ditta;Provincia;Prezzo",
            "Niccolò Rossi|Nicolò Bianchi|Lucia Fabbri|Mattia Conte|Elena Gallo",
            "Forlì|Cantù|Città di Castello|Torino|Napoli|Bolzano",
            "Perché la città è più cara|L’offerta è già pronta|Pagamento a 30 giorni|"
            "Così è stato deciso|Consegna entro venerdì",
        ),
        _v(
            "Referente;Comune;Totale|Ragione sociale;Regione;Canone",
            "Giosuè Marino|Andrea Moretti|Chiara Ricci|Paolo Santoro|Ilaria Greco",
            "Mondovì|Sant’Agata|Bari|Salò|Genova|Cefalù",
            "Può confermare l’ordine?|Qualità garantita|Rinnovo automatico ogni lunedì|"
            "Però serve la firma|Attività completate",
        ),
    ),
    "nl": (
        _v(
            "Klant;Plaats;Bedrag|Bedrijf;Provincie;Prijs",
            "Anaïs de Vries|Joëlle Jansen|Daniël Bakker|Zoë Visser",
            "Groningen|Enschede|Den Haag|Zoetermeer",
            "Offerte voor volgend jaar|Bedankt voor uw bestelling|Inclusief BTW, één keer|"
            "’s Avonds geopend",
        ),
        _v(
            "Contactpersoon;Gemeente;Totaal|Handelsnaam;Regio;Tarief",
            "Noël Smit|Chloë Mulder|Michiël de Boer|Inês Hendriks",
            "Utrecht|Leeuwarden|Tilburg|Maastricht",
            "Wij zien uw reactie graag tegemoet|Geïnteresseerd in een demo|Coöperatie",
        ),
    ),
    "nordic": (
        _v(
            "Kunde;By;Beløp|Kund;Ort;Belopp",
            "Bjørn Ødegård|Søren Kierkegård|Åsa Öberg|Jörgen Ström|Kjærsti Ås|Pär Löfgren|"
            "Jonas Hägglund|"
            "Märta Öst|Ingrid Sørensen|Lasse Mäkelä",
            "Århus|Tromsø|Malmö|Göteborg|Ålesund|Jyväskylä",
            "Tilbud for neste år|Tack för din beställning|Betaling innen 30 dager|"
            "Møte på tirsdag|Påminnelse om fakturaen",
        ),
        _v(
            "Kontakt;Kommune;Sum|Kontaktperson;Län;Summa",
            "Øystein Bråten|Mårten Åkesson|Sølvi Hæhre|Björk Sjöström|Jørgen Lærke",
            "Ærøskøbing|Bodø|Västerås|Næstved|Hämeenlinna|Växjö",
            "Avtalen forlenges automatisk|Fakturan skickas på måndag|Hälsningar|"
            "Prisen gjelder til årsskiftet|Rabatten gäller ett år",
        ),
    ),
    "is": (
        _v(
            "Viðskiptavinur;Bær;Upphæð",
            "Guðrún Þórsdóttir|Jón Óskarsson|Sigríður Ólafsdóttir",
            "Reykjavík|Akureyri|Ísafjörður",
            "Verðtilboð fyrir næsta ár|Þakka þér fyrir pöntunina",
        ),
        _v(
            "Tengiliður;Sveitarfélag;Samtals",
            "Þórður Sigurðsson|Ásdís Björnsdóttir|Kristín Hafþórsdóttir",
            "Hafnarfjörður|Egilsstaðir|Selfoss",
            "Greiðsla innan 30 daga|Samningurinn gildir í tvö ár",
        ),
    ),
    "hu": (
        _v(
            "Ügyfél;Város;Összeg|Név;Település;Ár",
            "Kovács Péter|Szőke Anna|Nagy Zsófia|Tóth Gergő|Horváth Ildikó|Szűcs Bence|"
            "Fekete Lőrinc|Varga Júlia|Bíró Ágnes|Szabó István|Farkas Dóra|Balogh Tamás|"
            "Takács Eszter|"
            "Juhász Levente|Mészáros Zoltán|Vörös Ödön|Kelemen Győző|Fülöp Anikó",
            "Győr|Pécs|Debrecen|Székesfehérvár|Nyíregyháza|Kőszeg|Budapest|Eger|Szolnok|Veszprém|"
            "Gödöllő|"
            "Érd|Nagykőrös",
            "Árajánlat a következő évre|Köszönjük a megrendelést|Fizetési határidő 30 nap|"
            "Szállítási cím|Üdvözlettel|A szerződés két évre szól|"
            "Árajánlatunkat mellékelten küldjük|"
            "Szállítás két héten belül|Kedvezmény tíz százalék|Fizetés átutalással",
        ),
        _v(
            "Partner;Helység;Végösszeg|Vevő;Cím;Nettó ár",
            "Molnár Gábor|Kiss Erzsébet|Lakatos Bálint|Bőrös Tünde|Fűzfa Márton|Pintér Dávid|"
            "Sütő Réka|Oláh Csilla",
            "Szeged|Miskolc|Kecskemét|Sopron|Zalaegerszeg|Hódmezővásárhely",
            "Kérjük, erősítse meg a rendelést|Havi díj felhasználónként|Számla kiállítva|"
            "Ajánlatunk a hónap végéig érvényes|Üzleti partnerünk|Szerződésmódosítás",
        ),
    ),
    "cs": (
        _v(
            "Zákazník;Město;Částka|Firma;Kraj;Cena",
            "Jiří Dvořák|Petra Nováková|Tomáš Černý|Lucie Svobodová|Václav Růžička|Zdeněk Kříž",
            "Plzeň|Brno|České Budějovice|Ústí nad Labem|Hradec Králové|Děčín",
            "Nabídka na příští rok|Děkujeme za objednávku|Splatnost 30 dní|"
            "Cena za uživatele měsíčně|Schůzka ve středu",
        ),
        _v(
            "Kontakt;Obec;Celkem|Odběratel;Ulice;Poplatek",
            "Markéta Horáková|Ondřej Procházka|Kateřina Veselá|Radek Šťastný|Věra Marešová",
            "Olomouc|Třebíč|Liberec|Přerov|Karviná|Jihlava",
            "Prosíme o potvrzení do konce měsíce|Smlouva se prodlužuje automaticky|"
            "Faktura bude vystavena|Přejeme hezký den|Dodání zdarma",
        ),
    ),
    "sk": (
        _v(
            "Zákazník;Mesto;Suma",
            "Ľubomír Kováč|Zuzana Horváthová|Ján Ďurica|Mária Šťastná",
            "Bratislava|Košice|Žilina|Banská Bystrica",
            "Ponuka na budúci rok|Ďakujeme za objednávku|Splatnosť faktúry",
        ),
        _v(
            "Kontakt;Obec;Spolu",
            "Ľudmila Králiková|Dušan Čierny|Katarína Hrušková|Ondrej Mäsiar",
            "Prešov|Nitra|Trenčín|Poprad",
            "Prosíme o potvrdenie|Zmluva sa predlžuje|Mesačný poplatok",
        ),
    ),
    "pl": (
        _v(
            "Klient;Miasto;Kwota|Firma;Województwo;Cena",
            "Łukasz Wójcik|Małgorzata Dąbrowska|Paweł Żółkiewski|Agnieszka Więckowska",
            "Łódź|Kraków|Gdańsk|Poznań|Wrocław|Białystok",
            "Oferta na przyszły rok|Dziękujemy za zamówienie|Płatność w ciągu 30 dni|"
            "Cena za użytkownika",
        ),
        _v(
            "Kontakt;Gmina;Razem|Odbiorca;Ulica;Opłata",
            "Grzegorz Kołodziej|Bożena Śliwińska|Michał Jóźwiak|Anna Kępińska",
            "Rzeszów|Zielona Góra|Częstochowa|Bielsko-Biała",
            "Prosimy o potwierdzenie|Umowa przedłuża się automatycznie|Faktura wysłana",
        ),
    ),
    "hr": (
        _v(
            "Kupac;Grad;Iznos",
            "Ivan Horvat|Đurđica Kovačević|Željko Babić|Marija Jurić",
            "Zagreb|Osijek|Čakovec|Šibenik",
            "Ponuda za sljedeću godinu|Hvala na narudžbi|Plaćanje u roku od 30 dana",
        ),
        _v(
            "Kontakt;Općina;Ukupno",
            "Tomislav Marić|Snježana Pavić|Goran Šarić|Ana Knežević",
            "Rijeka|Požega|Vukovar|Sisak",
            "Molimo potvrdu narudžbe|Ugovor se produžuje|Mjesečna naknada",
        ),
    ),
    "tr": (
        _v(
            "Müşteri;Şehir;Tutar|Firma;İl;Fiyat",
            "Ayşe Yılmaz|Mehmet Öztürk|Şükrü Doğan|Gülşen Çelik|İsmail Kılıç|Ağaoğlu İnşaat|"
            "Emre Şen|Zeynep Koç|"
            "Burak Yıldırım|Elif Aksoy|Selin Güneş|Murat Kaplan|Derya Işık|Cem Başaran|Nur Ağca|"
            "Kerem Akın|"
            "Yılmaz İnşaat San. ve Tic. Ltd. Şti.|Doğuş Otomotiv A.Ş.|Işıklar Tekstil Ltd. Şti.|"
            "Sağlam Gıda A.Ş.|Hülya Şahinoğlu|Tarık Ertuğrul|Sıla Dağdelen",
            "İstanbul|Eskişehir|Muğla|Kırşehir|Şanlıurfa|Bağcılar|Ankara|İzmir|Bursa|Antalya|Aydın|"
            "Balıkesir|Niğde|Uşak",
            "Gelecek yıl için teklif|Siparişiniz için teşekkürler|Ödeme 30 gün içinde|"
            "Kullanıcı başına ücret|Toplantı çarşamba|Fiyat teklifi ektedir|"
            "Teslimat süresi iki hafta|"
            "Saygılarımızla|İndirim oranı yüzde on|Ödeme planı",
        ),
        _v(
            "İlgili kişi;İlçe;Toplam|Şirket;Bölge;Aylık ücret",
            "Hüseyin Aydın|Fatma Şahin|Oğuz Kaya|Gökçe Arslan|Yiğit Bıçakçı",
            "Kayseri|Diyarbakır|Iğdır|Ağrı|Çanakkale|Kırıkkale",
            "Lütfen siparişi onaylayın|Sözleşme otomatik yenilenir|Fatura düzenlendi|"
            "İyi çalışmalar dileriz|Ücretsiz kargo",
        ),
    ),
    "lt": (
        _v(
            "Klientas;Miestas;Suma|Įmonė;Apskritis;Kaina",
            "Jonas Žukauskas|Rūta Petrauskienė|Šarūnas Kazlauskas|Aušra Vaitkutė|"
            "Vytautas Kazlauskas|"
            "Ieva Jonaitienė|Darius Šimkus|Laura Žilinskaitė|Agnė Butkutė|Žygimantas Rimkus|"
            "Dovilė Mockutė",
            "Šiauliai|Panevėžys|Klaipėda|Kėdainiai|Vilnius|Kaunas|Palanga|Druskininkai|Telšiai|"
            "Biržai",
            "Pasiūlymas kitiems metams|Ačiū už užsakymą|Apmokėjimas per 30 dienų|"
            "Kaina vienam naudotojui|Siunčiame kainų pasiūlymą|Pagarbiai|"
            "Pristatymas per dvi savaites|"
            "Nuolaida dešimt procentų|Sąskaita faktūra",
        ),
        _v(
            "Kontaktas;Savivaldybė;Iš viso|Pirkėjas;Gatvė;Mokestis",
            "Gintarė Jankauskaitė|Mindaugas Stankevičius|Eglė Urbonienė|Tomas Čepulis",
            "Marijampolė|Utena|Alytus|Tauragė",
            "Prašome patvirtinti užsakymą|Sutartis pratęsiama automatiškai|Sąskaita išrašyta",
        ),
    ),
    "lv": (
        _v(
            "Klients;Pilsēta;Summa",
            "Jānis Bērziņš|Līga Kalniņa|Andris Ozoliņš|Ilze Vītola",
            "Rīga|Jūrmala|Liepāja|Daugavpils",
            "Piedāvājums nākamajam gadam|Paldies par pasūtījumu|Samaksa 30 dienu laikā",
        ),
        _v(
            "Kontaktpersona;Novads;Kopā",
            "Kārlis Liepiņš|Zane Krūmiņa|Māris Siliņš|Inese Ēķe",
            "Jelgava|Ventspils|Cēsis|Valmiera",
            "Lūdzu apstipriniet pasūtījumu|Līgums tiek pagarināts|Rēķins izrakstīts",
        ),
    ),
    "et": (
        _v(
            "Klient;Linn;Summa",
            "Jüri Tamm|Mari Kõiv|Tõnu Saar|Külli Mägi",
            "Tallinn|Pärnu|Võru|Jõhvi",
            "Pakkumine järgmiseks aastaks|Täname tellimuse eest|Makse 30 päeva jooksul",
        ),
        _v(
            "Kontakt;Vald;Kokku",
            "Rünno Šmidt|Tiiu Ilves|Aivar Žukov|Õie Lepp",
            "Tartu|Viljandi|Rakvere|Kärdla",
            "Palun kinnitage tellimus|Leping pikeneb automaatselt|Arve on väljastatud",
        ),
    ),
    "el": (
        _v(
            "Πελάτης;Πόλη;Ποσό|Εταιρεία;Νομός;Τιμή",
            "Γιώργος Παπαδόπουλος|Μαρία Ιωάννου|Νίκος Κωνσταντίνου|Ελένη Δημητρίου|"
            "Παναγιώτης Οικονόμου|"
            "Βασιλική Μακρή|Σπύρος Αλεξίου|Χρήστος Ζαφειρίου|Ευαγγελία Σταύρου",
            "Αθήνα|Θεσσαλονίκη|Πάτρα|Ηράκλειο|Λάρισα|Βόλος|Κέρκυρα|Τρίκαλα|Αλεξανδρούπολη|Ξάνθη",
            "Προσφορά για το επόμενο έτος|Ευχαριστούμε για την παραγγελία|"
            "Πληρωμή σε 30 ημέρες|Τιμή ανά χρήστη|Σας αποστέλλουμε την προσφορά|Με εκτίμηση|"
            "Έκπτωση δέκα τοις εκατό",
        ),
        _v(
            "Επαφή;Δήμος;Σύνολο|Αγοραστής;Οδός;Συνδρομή",
            "Κώστας Αντωνίου|Σοφία Γεωργίου|Δημήτρης Νικολάου|Αικατερίνη Βασιλείου",
            "Ιωάννινα|Χανιά|Καβάλα|Ρόδος|Σέρρες|Καλαμάτα",
            "Παρακαλούμε επιβεβαιώστε την παραγγελία|Η σύμβαση ανανεώνεται αυτόματα|"
            "Το τιμολόγιο εκδόθηκε|Δωρεάν αποστολή",
        ),
    ),
    "ru": (
        _v(
            "Клиент;Город;Сумма|Компания;Область;Цена",
            "Иван Петров|Мария Смирнова|Алексей Кузнецов|Ольга Попова",
            "Москва|Казань|Новосибирск|Екатеринбург",
            "Предложение на следующий год|Спасибо за заказ|Оплата в течение 30 дней",
        ),
        _v(
            "Контакт;Район;Итого|Покупатель;Улица;Абонплата",
            "Сергей Волков|Наталья Козлова|Дмитрий Лебедев|Юлия Морозова",
            "Самара|Воронеж|Пермь|Тюмень",
            "Просим подтвердить заказ|Договор продлевается автоматически|Счёт выставлен",
        ),
    ),
    "zh": (
        _v(
            "客户,城市,金额|公司,省份,价格",
            "张伟|王芳|李娜|刘洋|陈静|北京科技有限公司|黄磊|林峰|马丽|胡军|高翔|徐静|何敏|上海华贸电子公司",
            "上海|广州|深圳|成都|杭州|武汉|长沙|郑州|济南|沈阳|厦门|福州|合肥|昆明",
            "明年的报价|感谢您的订单|三十天内付款|每位用户每月价格|周三开会|报价单见附件|交货期两周|"
            "此致敬礼|折扣百分之十|请尽快付款|软件许可证",
        ),
        _v(
            "联系人,地区,合计|采购方,地址,年费",
            "赵磊|孙丽|周杰|吴敏|郑强|华东贸易集团",
            "南京|西安|重庆|天津|苏州|青岛",
            "请确认订单|合同自动续签|发票已开具|祝您工作顺利|免费送货",
        ),
    ),
    "ja": (
        _v(
            "顧客,都市,金額|会社,都道府県,価格",
            "田中太郎|佐藤花子|鈴木一郎|高橋美咲|株式会社山田商事|加藤大輔|吉田さくら|山口健太|松本恵|井上商店",
            "東京|大阪|名古屋|札幌|福岡|横浜|奈良|金沢|熊本|静岡",
            "来年の見積もり|ご注文ありがとうございます|三十日以内にお支払い|"
            "ユーザー一人あたりの月額|水曜日に打ち合わせ|見積書を添付します|納期は二週間です|"
            "割引は一割です|お世話になっております",
        ),
        _v(
            "担当者,地域,合計|購入者,住所,年会費",
            "伊藤健|渡辺真理|山本翔太|中村優子|有限会社小林製作所",
            "京都|神戸|仙台|広島|千葉|川崎",
            "ご確認をお願いします|契約は自動更新されます|請求書を発行しました|"
            "よろしくお願いいたします|送料無料",
        ),
    ),
}

KINDS: Final[dict[str, tuple[str, tuple[str, ...], str]]] = {
    # kind -> (codec, languages, currency)
    "cp1252-es": ("cp1252", ("es",), "€"),
    "cp1252-de": ("cp1252", ("de",), "€"),
    "cp1252-fr": ("cp1252", ("fr",), "€"),
    "cp1252-pt": ("cp1252", ("pt",), "€"),
    "cp1252-it": ("cp1252", ("it",), "€"),
    "cp1252-nl": ("cp1252", ("nl",), "€"),
    "cp1252-nordic": ("cp1252", ("nordic",), "kr"),
    "cp1252-is": ("cp1252", ("is",), "kr."),
    "cp1252-mixed": ("cp1252", ("es", "de", "fr", "pt", "it", "nordic"), "€"),
    "latin-9": ("iso8859-15", ("fr", "de", "es", "nordic"), "€"),
    "mac-roman": ("mac_roman", ("de", "fr", "es", "pt", "it", "nordic"), "€"),
    "cp1250-hu": ("cp1250", ("hu",), "Ft"),
    "cp1250-cs": ("cp1250", ("cs",), "Kč"),
    "cp1250-sk": ("cp1250", ("sk",), "€"),
    "cp1250-pl": ("cp1250", ("pl",), "zł"),
    "cp1250-hr": ("cp1250", ("hr",), "€"),
    "cp1254-tr": ("cp1254", ("tr",), "TL"),
    "cp1257-lt": ("cp1257", ("lt",), "€"),
    "cp1257-lv": ("cp1257", ("lv",), "€"),
    "cp1257-et": ("cp1257", ("et",), "€"),
    "cp1253-el": ("cp1253", ("el",), "€"),
    "iso8859-7-el": ("iso8859-7", ("el",), "€"),
    "cp1251-ru": ("cp1251", ("ru",), "руб."),
    "gb18030-zh": ("gb18030", ("zh",), "元"),
    "shift_jis-ja": ("shift_jis", ("ja",), "円"),
}
"""The kinds of file measured: the code page a machine in that region saves with, the
languages its texts are in, and the currency its amounts carry."""

WESTERN_KINDS: Final = (
    *(k for k, (codec, _, _) in KINDS.items() if codec == "cp1252"),
    "latin-9",
)


def _amount(rng: random.Random, currency: str, cjk: bool) -> str:
    whole = rng.choice((12, 40, 99, 250, 1234, 18500))
    if cjk:
        return f"{whole}{currency}"
    cents = rng.choice(("", ",50", ",00", ".90"))
    return f"{whole}{cents} {currency}" if rng.random() < 0.8 else f"{currency} {whole}{cents}"


def sample(rng: random.Random, vocabs: list[Vocabulary], currency: str, *, cjk: bool) -> str:
    """One short text: a CSV export, a sentence line, or a note with a few lines. A CSV's
    rows each come from one of `vocabs` (a customer list of several countries)."""
    form = rng.randrange(4)
    vocab = vocabs[0]
    sep = "," if cjk else ";"
    end = rng.choice(("\n", "\r\n"))
    if form == 0:
        header = rng.choice(vocab.headers).replace(";", sep)
        rows = [
            sep.join((rng.choice(v.names), rng.choice(v.cities), _amount(rng, currency, cjk)))
            for v in (rng.choice(vocabs) for _ in range(rng.randint(1, 3)))
        ]
        return end.join((header, *rows)) + end
    if form == 1:
        pause = "，" if cjk else ", "
        parts = (rng.choice(vocab.phrases), rng.choice(vocab.names), rng.choice(vocab.cities))
        return pause.join(parts) + end
    if form == 2:
        return end.join((rng.choice(vocab.phrases), rng.choice(vocab.names))) + end
    fields = (rng.choice(vocab.names), rng.choice(vocab.cities), _amount(rng, currency, cjk))
    return sep.join(fields) + end


def samples(kind: str, split: Split, count: int, seed: int = 129) -> list[tuple[str, bytes]]:
    """`count` (text, bytes) pairs of `kind` (a key of `KINDS`) from the `split` vocabulary;
    texts the code page cannot write are skipped, so fewer may come back."""
    codec, languages, currency = KINDS[kind]
    rng = random.Random(f"{seed}:{kind}:{split}")  # noqa: S311  (reproducible samples)
    cjk = codec in {"gb18030", "shift_jis"}
    out: list[tuple[str, bytes]] = []
    for _ in range(count * 3):
        if len(out) == count:
            break
        index = 0 if split == "dev" else 1
        chosen = list(languages) if kind.endswith("-mixed") else [rng.choice(languages)]
        rng.shuffle(chosen)
        text = sample(rng, [VOCABULARIES[lang][index] for lang in chosen], currency, cjk=cjk)
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue
        out.append((text, data))
    return out
