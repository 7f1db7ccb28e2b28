"""What the generated company is made of: Romanian and English names, the company's cities,
departments and categories, and requests written as people write them (Romanian with its
diacritics, English), with blanks the generator fills.

Written for this benchmark; the coordinates are the cities' centres, rounded.
"""

from __future__ import annotations

#: (city, latitude, longitude): the company's sites are spread over these.
CITIES = (
    ("București", 44.4268, 26.1025),
    ("Cluj-Napoca", 46.7712, 23.6236),
    ("Timișoara", 45.7489, 21.2087),
    ("Iași", 47.1585, 27.6014),
    ("Brașov", 45.6579, 25.6012),
    ("Constanța", 44.1598, 28.6348),
    ("Craiova", 44.3302, 23.7949),
    ("Sibiu", 45.7983, 24.1256),
    ("Oradea", 47.0465, 21.9189),
    ("Târgu Mureș", 46.5386, 24.5514),
)
SITE_KINDS = ("Sediul central", "Depozit", "Birouri Nord", "Centru logistic", "Showroom")
STREETS = (
    "Strada Mihai Eminescu",
    "Bulevardul Ștefan cel Mare",
    "Strada Avram Iancu",
    "Calea Victoriei",
    "Strada Nicolae Bălcescu",
    "Bulevardul Independenței",
    "Strada Țebei",
    "Strada Gheorghe Lazăr",
)

ROMANIAN_FIRST = (
    "Ana", "Ioana", "Mădălina", "Andreea", "Elena", "Cristina", "Alexandra", "Raluca", "Oana",
    "Bianca", "Irina", "Ștefania", "Roxana", "Gabriela", "Mihaela", "Larisa", "Teodora", "Corina",
    "Andrei", "Mihai", "Ștefan", "Răzvan", "Alexandru", "Ionuț", "Bogdan", "Cătălin", "Vlad",
    "Radu", "Florin", "Adrian", "Sorin", "Tudor", "Dragoș", "Cosmin", "Lucian", "Marius",
)  # fmt: skip
ROMANIAN_LAST = (
    "Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Rusu", "Munteanu",
    "Matei", "Constantin", "Șerban", "Țurcanu", "Bălan", "Căpraru", "Mărginean", "Lupșa",
    "Moldovan", "Sârbu", "Florea", "Dobre", "Barbu", "Nistor", "Ene", "Tănase", "Stănescu",
    "Pătrașcu", "Vâlcu", "Oprea", "Ardeleanu", "Cozma", "Bucur", "Husar", "Crăciun",
)  # fmt: skip
ENGLISH_FIRST = (
    "James", "Emma", "Oliver", "Sophie", "Daniel", "Hannah", "Thomas", "Charlotte", "George",
    "Grace", "Samuel", "Lucy", "Henry", "Chloe", "Jack", "Amelia",
)  # fmt: skip
ENGLISH_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Walker", "Wright",
    "Thompson", "Hughes", "Clarke", "Harris", "Lewis", "Turner", "Hall",
)  # fmt: skip

DEPARTMENTS = (
    "Financiar-Contabilitate", "Resurse Umane", "Vânzări", "Marketing", "Logistică", "Achiziții",
    "Juridic", "Producție", "Calitate", "Service clienți", "Mentenanță", "Cercetare-Dezvoltare",
    "Depozit", "Transport", "Direcțiune", "Finance", "Customer Success", "Engineering",
)  # fmt: skip
GROUPS = ("Suport L1", "Suport L2", "Rețelistică", "Aplicații")
SKILLS = ("hardware", "rețea", "imprimante", "audio-video", "electric")

#: (name, default kind or None, duration in minutes)
CATEGORIES = (
    ("Hardware", "onsite", 60),
    ("Imprimante", "onsite", 45),
    ("Rețea și Wi-Fi", None, 45),
    ("Conturi și parole", "remote", 15),
    ("E-mail și Outlook", "remote", 20),
    ("Aplicații", "remote", 30),
    ("Telefonie", None, 30),
    ("Săli de ședință", "onsite", 60),
    ("Acces și badge-uri", None, 30),
    ("Software", "remote", 30),
)

#: Requests in Romanian, as (category, subject, description); {room}, {floor}, {city},
#: {device} and {app} are filled in by the generator.
ROMANIAN_REQUESTS = (
    ("Imprimante", "Imprimanta de la etajul {floor} nu printează",
     "Imprimanta din sala {room} afișează „hârtie blocată” deși tava e goală. Am încercat să o "
     "repornesc, fără rezultat. Avem de tipărit facturile până la ora 15."),
    ("Rețea și Wi-Fi", "Nu mă pot conecta la VPN din {city}",
     "De azi-dimineață clientul VPN îmi spune că certificatul a expirat. Lucrez de acasă din "
     "{city} și nu pot accesa serverele firmei."),
    ("Hardware", "Laptopul nu mai pornește",
     "Laptopul meu {device} nu mai pornește după actualizarea de aseară; ledul de alimentare "
     "clipește portocaliu. Am nevoie de el pentru ședința de mâine."),
    ("Hardware", "Monitorul pâlpâie în biroul {room}",
     "Monitorul al doilea pâlpâie la fiecare câteva secunde și uneori se stinge complet. "
     "Cablul pare în regulă."),
    ("Conturi și parole", "Parolă expirată, cont blocat",
     "Mi-a expirat parola și după trei încercări contul s-a blocat. Vă rog să mi-l deblocați."),
    ("E-mail și Outlook", "Outlook nu sincronizează calendarul",
     "Ședințele adăugate de pe telefon nu apar în Outlook pe calculator. Colegii văd invitațiile "
     "mele cu întârziere de o oră."),
    ("Săli de ședință", "Proiectorul din sala de ședințe nu afișează imaginea",
     "Proiectorul din sala {room} (etajul {floor}) pornește, dar spune „fără semnal” pe HDMI. "
     "Avem o prezentare pentru client la ora 11."),
    ("Rețea și Wi-Fi", "Wi-Fi slab în depozit",
     "Scannerele din depozitul din {city} pierd conexiunea Wi-Fi în zona rampelor de încărcare. "
     "Recepția mărfii durează dublu."),
    ("Aplicații", "Acces la aplicația {app}",
     "Sunt nou în departament și am nevoie de acces la {app} cu drepturi de citire și scriere. "
     "Șeful meu direct a aprobat cererea."),
    ("Telefonie", "Telefonul fix nu are ton",
     "Telefonul de pe biroul meu din sala {room} nu are ton de apel de ieri. Clienții îmi spun "
     "că sună ocupat."),
    ("Acces și badge-uri", "Badge-ul nu deschide ușa de la intrare",
     "Cartela mea de acces nu mai este recunoscută la intrarea principală din {city}; la "
     "parcare funcționează."),
    ("Aplicații", "Eroare la salvarea facturilor în {app}",
     "La salvarea unei facturi primesc mesajul „eroare de conexiune la baza de date”. Se "
     "întâmplă doar după-amiaza, când lucrăm toți."),
    ("Hardware", "Tastatura și mouse-ul nu răspund",
     "Tastatura și mouse-ul wireless de la stația din biroul {room} nu mai răspund nici după "
     "schimbarea bateriilor."),
    ("Săli de ședință", "Priza din sala {room} scânteiază",
     "La priza de lângă fereastră s-au văzut scântei când am conectat încărcătorul. Am oprit "
     "siguranța; vă rog trimiteți un electrician."),
)  # fmt: skip
#: The same in English.
ENGLISH_REQUESTS = (
    ("Imprimante", "Printer on floor {floor} keeps jamming",
     "The printer near room {room} jams on every second page and shows a paper error. We need "
     "it for the monthly reports."),
    ("Rețea și Wi-Fi", "Cannot connect to the VPN from {city}",
     "Since this morning the VPN client rejects my login. I am working from {city} today and "
     "cannot reach the file shares."),
    ("Hardware", "Laptop will not boot after update",
     "My {device} shows a black screen after last night's update. The power light blinks."),
    ("Săli de ședință", "Meeting room screen shows no signal",
     "The screen in meeting room {room} says no signal on HDMI; we have a customer call at 2pm."),
    ("Conturi și parole", "Password reset needed",
     "My password expired while I was on leave and now my account is locked."),
    ("E-mail și Outlook", "Outlook calendar not syncing",
     "Meetings I accept on my phone do not show up in Outlook on my desktop."),
    ("Aplicații", "Access request for {app}",
     "I joined the team this week and need read and write access to {app}."),
    ("Rețea și Wi-Fi", "Wi-Fi drops in the warehouse",
     "Handheld scanners lose the Wi-Fi at the loading docks in {city}; receiving is slow."),
    ("Telefonie", "Desk phone has no dial tone",
     "The desk phone in room {room} has had no dial tone since yesterday afternoon."),
    ("Acces și badge-uri", "Badge does not open the main door",
     "My access badge is not accepted at the main entrance in {city}; the car park works."),
)  # fmt: skip
DEVICES = ("Lenovo ThinkPad T14", "Dell Latitude 5440", "HP EliteBook 840", "MacBook Air")
APPS = ("SAP", "Salesforce", "Jira", "SmartBill", "Saga", "Power BI", "SharePoint")

#: Comments on a request's thread, staff's and requesters'.
STAFF_REPLIES = (
    "Am preluat solicitarea, revin cu detalii în cursul zilei.",
    "Vă rog să încercați din nou acum și să-mi spuneți dacă problema persistă.",
    "Am comandat piesa de schimb; ajunge în 2–3 zile lucrătoare.",
    "Tehnicianul ajunge mâine dimineață între 9 și 11.",
    "I have reset the account; please sign in again and change the password.",
    "Could you send a photo of the error message?",
    "We replaced the cable; please confirm it works on your side.",
)
REQUESTER_REPLIES = (
    "Mulțumesc, acum funcționează.",
    "Problema persistă, aceeași eroare ca înainte.",
    "Am atașat o captură de ecran cu mesajul de eroare.",
    "Sunt în birou până la ora 16, puteți veni oricând.",
    "Thanks, that fixed it.",
    "Still the same after a restart, sorry.",
)
INTERNAL_NOTES = (
    "Verificat în consola de administrare: licența a expirat.",
    "Probabil aceeași cauză ca la tichetul din săptămâna trecută.",
    "Escalated to the network team; switch port 24 flaps.",
)
#: Words a dispatcher types in the inbox's search box (with and without diacritics).
SEARCHES = (
    "brasov",
    "imprimanta",
    "imprimantă blocată",
    "vpn",
    "outlook calendar",
    "proiectorul",
    "parola expirata",
    "wi-fi depozit",
    "timisoara",
    "sala de ședințe",
    "printer jamming",
    "factur",
)
