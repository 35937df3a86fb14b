//! The words a dossier prints, in English, French, Russian and Spanish. Templates name their sections
//! through these, so a language is one more table, never a change to layout code.

/// Language of a dossier's headings and fixed text (the user's own text stays as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Ru,
    Es,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "ru" => Some(Lang::Ru),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }
    /// The language's name in English, for messages to the user.
    pub fn english_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "French",
            Lang::Ru => "Russian",
            Lang::Es => "Spanish",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ru => "ru",
            Lang::Es => "es",
        }
    }
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
            Lang::Ru => &RU,
            Lang::Es => &ES,
        }
    }
}

#[derive(serde::Serialize)]
pub struct Labels {
    pub language_name: &'static str,
    pub contents: &'static str,
    pub recipient: &'static str,
    pub title: &'static str,
    pub case_numbers: &'static str,
    pub submitted_by: &'static str,
    pub date: &'static str,
    pub language: &'static str,
    pub court: &'static str,
    pub status: &'static str,
    pub charges: &'static str,
    pub summary: &'static str,
    pub people: &'static str,
    pub name: &'static str,
    pub aliases: &'static str,
    pub born: &'static str,
    pub nationality: &'static str,
    pub roles: &'static str,
    pub chronology: &'static str,
    pub event: &'static str,
    pub annexes_col: &'static str,
    pub undated: &'static str,
    /// Above the chronology: the one rule that orders dates of mixed precision.
    pub chronology_rule: &'static str,
    pub annex_list: &'static str,
    pub annex: &'static str,
    pub number: &'static str,
    pub annex_title: &'static str,
    pub kind: &'static str,
    pub size: &'static str,
    pub annexes: &'static str,
    pub file: &'static str,
    /// An annex without a document date (the import date never stands in for it).
    pub no_date: &'static str,
    /// After a document date read from the file's own metadata, on the annex's page.
    pub from_file: &'static str,
    /// Under the annex list: what the mark after a date means.
    pub from_file_note: &'static str,
    /// "721 bytes" after a size.
    pub bytes: &'static str,
    /// An e-mail's From, To, Cc, Date and Subject.
    pub mail_headers: [&'static str; 5],
    /// The roles front ends offer (`crate::register::COMMON_ROLES`), as the dossier names them;
    /// any other role is printed as the user wrote it.
    pub role_names: [(&'static str, &'static str); 14],
    pub taken: &'static str,
    pub camera: &'static str,
    pub location: &'static str,
    pub pages: &'static str,
    pub not_attached: &'static str,
    pub no_inline: &'static str,
    pub truncated: &'static str,
    pub excerpt: &'static str,
    pub verification: &'static str,
    pub verification_steps: &'static [&'static str],
    pub fingerprint: &'static str,
    pub signed_at: &'static str,
    pub page_of: &'static str,
    pub about: &'static str,
    pub evidence: &'static str,
    pub months: [&'static str; 12],
    /// Month names after a day number (Russian uses the genitive; Spanish "de marzo de").
    pub months_after_day: [&'static str; 12],
    /// Month names after "about" when they differ from [`Labels::months_after_day`]
    /// (Spanish: "hacia marzo de 2031").
    pub months_about: Option<[&'static str; 12]>,
}

pub static EN: Labels = Labels {
    language_name: "English",
    contents: "Contents",
    recipient: "To",
    title: "Subject",
    case_numbers: "Case numbers",
    submitted_by: "Submitted by",
    date: "Date",
    language: "Language",
    court: "Court",
    status: "Status",
    charges: "Charges",
    summary: "Summary",
    people: "People",
    name: "Name",
    aliases: "Other names",
    born: "Born",
    nationality: "Nationality",
    roles: "Role in the case",
    chronology: "Chronology",
    event: "Event",
    annexes_col: "Annexes",
    undated: "Undated events",
    chronology_rule: "In date order. A date known only to the year or month is placed at its first day, before the more precise dates that share that day; approximate dates (“about”) are placed as if exact. Undated events follow, apart.",
    annex_list: "List of annexes",
    annex: "Annex",
    number: "No.",
    annex_title: "Title",
    kind: "Type",
    size: "Size",
    annexes: "Annexes",
    file: "Attached file",
    no_date: "undated",
    from_file: "read from the file's metadata",
    from_file_note: "* Date read from the file's own metadata (camera, e-mail header or document properties); the other dates are stated by the submitting party.",
    bytes: "bytes",
    mail_headers: ["From", "To", "Cc", "Date", "Subject"],
    role_names: [
        ("detainee", "detainee"),
        ("lawyer", "lawyer"),
        ("family", "family"),
        ("judge", "judge"),
        ("prosecutor", "prosecutor"),
        ("witness", "witness"),
        ("victim", "victim"),
        ("investigator", "investigator"),
        ("source", "source"),
        ("petitioner", "petitioner"),
        ("representative", "representative"),
        ("counsel", "counsel"),
        ("client", "client"),
        ("prisoner", "prisoner"),
    ],
    taken: "Taken",
    camera: "Camera",
    location: "Location (GPS)",
    pages: "Pages",
    not_attached: "The original is not attached to this copy, at the sender's choice. Its SHA-256 above lets a copy obtained elsewhere be checked.",
    no_inline: "This file cannot be shown inline: open the attached original.",
    truncated: "[… shortened here; the attached original has the full text]",
    excerpt: "Excerpt of the text layer",
    verification: "How to verify this document",
    verification_steps: &[
        "This PDF carries a digital signature (PAdES, ETSI.CAdES.detached) that covers the whole file. Any change after signing, even of one byte, makes it invalid; an addition after signing is reported as not covering the whole document.",
        "The fingerprint printed below is printed by the document itself. Obtain the signer's certificate (a .pem file) and its fingerprint from the sender through a separate channel, and compare: openssl x509 -in signer.pem -noout -fingerprint -sha256",
        "Poppler (Linux): pdfsig FILE.pdf must say \"Signature is Valid.\" and \"Total document signed\". To check the signer too: certutil -N -d sql:DIR --empty-password; certutil -A -d sql:DIR -n dossier -t CT,C,C -i signer.pem; pdfsig -nssdir sql:DIR FILE.pdf must add \"Certificate is Trusted.\"",
        "pyHanko: pyhanko sign validate --trust signer.pem --trust-replace FILE.pdf must end in INTACT:TRUSTED,UNTOUCHED.",
        "Adobe Acrobat Reader: open the Signatures panel. Until the certificate is trusted it reports the signer's identity as unknown; to trust it, open Signature Properties, Show Signer's Certificate, Trust, Add to Trusted Certificates, and tick \"Use this certificate as a trusted root\". It must then say the document has not been modified since it was signed.",
        "Annexes: every original is attached to this PDF (the attachments panel of a PDF reader, or pdfdetach -saveall FILE.pdf). Compute each file's SHA-256 (sha256sum FILE on Linux, shasum -a 256 FILE on macOS, certutil -hashfile FILE SHA256 on Windows) and compare it with the list of annexes. The list is also attached as dossier-manifest.json.",
        "With Dossier: dossier verify-pdf FILE.pdf --fingerprint FINGERPRINT checks all of the above at once.",
    ],
    fingerprint: "Signer's root certificate, SHA-256 fingerprint",
    signed_at: "Signed at",
    page_of: "Page {n} of {m}",
    about: "about",
    evidence: "Evidence",
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_after_day: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_about: None,
};

pub static FR: Labels = Labels {
    language_name: "Français",
    contents: "Table des matières",
    recipient: "Destinataire",
    title: "Objet",
    case_numbers: "Numéros de dossier",
    submitted_by: "Présenté par",
    date: "Date",
    language: "Langue",
    court: "Juridiction",
    status: "État",
    charges: "Chefs d'accusation",
    summary: "Résumé",
    people: "Personnes",
    name: "Nom",
    aliases: "Autres noms",
    born: "Né(e) le",
    nationality: "Nationalité",
    roles: "Rôle dans l'affaire",
    chronology: "Chronologie",
    event: "Événement",
    annexes_col: "Annexes",
    undated: "Événements non datés",
    chronology_rule: "Par ordre de date. Une date connue seulement à l'année ou au mois est placée à son premier jour, avant les dates plus précises de ce même jour ; les dates approximatives (« vers ») sont placées comme si elles étaient exactes. Les événements non datés suivent, à part.",
    annex_list: "Liste des annexes",
    annex: "Annexe",
    number: "N°",
    annex_title: "Titre",
    kind: "Type",
    size: "Taille",
    annexes: "Annexes",
    file: "Fichier joint",
    no_date: "non daté",
    from_file: "lue dans les métadonnées du fichier",
    from_file_note: "* Date lue dans les métadonnées du fichier lui-même (appareil photo, en-tête du courriel ou propriétés du document) ; les autres dates sont indiquées par la partie qui soumet.",
    bytes: "octets",
    mail_headers: ["De", "À", "Cc", "Date", "Objet"],
    role_names: [
        ("detainee", "personne détenue"),
        ("lawyer", "avocat(e)"),
        ("family", "famille"),
        ("judge", "juge"),
        ("prosecutor", "procureur"),
        ("witness", "témoin"),
        ("victim", "victime"),
        ("investigator", "enquêteur"),
        ("source", "source"),
        ("petitioner", "pétitionnaire"),
        ("representative", "représentant(e)"),
        ("counsel", "conseil"),
        ("client", "client(e)"),
        ("prisoner", "prisonnier(ère)"),
    ],
    taken: "Prise le",
    camera: "Appareil",
    location: "Lieu (GPS)",
    pages: "Pages",
    not_attached: "L'original n'est pas joint à cet exemplaire, au choix de l'expéditeur. Son SHA-256 ci-dessus permet de vérifier une copie obtenue ailleurs.",
    no_inline: "Ce fichier ne peut pas être affiché ici : ouvrez l'original joint.",
    truncated: "[… texte abrégé ici ; l'original joint contient le texte complet]",
    excerpt: "Extrait de la couche texte",
    verification: "Comment vérifier ce document",
    verification_steps: &[
        "Ce PDF porte une signature électronique (PAdES, ETSI.CAdES.detached) qui couvre tout le fichier. Toute modification après la signature, même d'un octet, l'invalide ; un ajout après la signature est signalé comme ne couvrant pas tout le document.",
        "L'empreinte imprimée ci-dessous est imprimée par le document lui-même. Obtenez le certificat du signataire (fichier .pem) et son empreinte auprès de l'expéditeur par un autre canal, et comparez : openssl x509 -in signer.pem -noout -fingerprint -sha256",
        "Poppler (Linux) : pdfsig FICHIER.pdf doit afficher « Signature is Valid. » et « Total document signed ». Pour vérifier aussi le signataire : certutil -N -d sql:DIR --empty-password ; certutil -A -d sql:DIR -n dossier -t CT,C,C -i signer.pem ; pdfsig -nssdir sql:DIR FICHIER.pdf doit ajouter « Certificate is Trusted. »",
        "pyHanko : pyhanko sign validate --trust signer.pem --trust-replace FICHIER.pdf doit se terminer par INTACT:TRUSTED,UNTOUCHED.",
        "Adobe Acrobat Reader : ouvrez le panneau Signatures. Tant que le certificat n'est pas approuvé, l'identité du signataire est dite inconnue ; pour l'approuver : Propriétés de la signature, Afficher le certificat du signataire, Approbation, Ajouter aux certificats approuvés, cochez « Utiliser ce certificat comme racine approuvée ». Le document doit alors être signalé comme non modifié depuis la signature.",
        "Annexes : chaque original est joint à ce PDF (panneau des pièces jointes du lecteur, ou pdfdetach -saveall FICHIER.pdf). Calculez le SHA-256 de chaque fichier (sha256sum FICHIER sous Linux, shasum -a 256 FICHIER sous macOS, certutil -hashfile FICHIER SHA256 sous Windows) et comparez-le à la liste des annexes, jointe aussi sous le nom dossier-manifest.json.",
        "Avec Dossier : dossier verify-pdf FICHIER.pdf --fingerprint EMPREINTE vérifie tout cela en une fois.",
    ],
    fingerprint: "Certificat racine du signataire, empreinte SHA-256",
    signed_at: "Signé le",
    page_of: "Page {n} sur {m}",
    about: "vers",
    evidence: "Preuves",
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    months_after_day: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    months_about: None,
};

pub static RU: Labels = Labels {
    language_name: "Русский",
    contents: "Содержание",
    recipient: "Адресат",
    title: "Предмет",
    case_numbers: "Номера дел",
    submitted_by: "Заявитель",
    date: "Дата",
    language: "Язык",
    court: "Суд",
    status: "Статус",
    charges: "Обвинения",
    summary: "Краткое изложение",
    people: "Лица",
    name: "Имя",
    aliases: "Другие имена",
    born: "Дата рождения",
    nationality: "Гражданство",
    roles: "Роль в деле",
    chronology: "Хронология",
    event: "Событие",
    annexes_col: "Приложения",
    undated: "События без даты",
    chronology_rule: "В порядке дат. Дата, известная только до года или месяца, ставится на свой первый день, перед более точными датами того же дня; приблизительные даты («около») ставятся как точные. События без даты приведены отдельно.",
    annex_list: "Перечень приложений",
    annex: "Приложение",
    number: "№",
    annex_title: "Название",
    kind: "Тип",
    size: "Размер",
    annexes: "Приложения",
    file: "Приложенный файл",
    no_date: "без даты",
    from_file: "по метаданным файла",
    from_file_note: "* Дата взята из метаданных самого файла (камера, заголовок письма или свойства документа); остальные даты указаны подающей стороной.",
    bytes: "байт",
    mail_headers: ["От", "Кому", "Копия", "Дата", "Тема"],
    role_names: [
        ("detainee", "задержанный"),
        ("lawyer", "адвокат"),
        ("family", "семья"),
        ("judge", "судья"),
        ("prosecutor", "прокурор"),
        ("witness", "свидетель"),
        ("victim", "потерпевший"),
        ("investigator", "следователь"),
        ("source", "источник"),
        ("petitioner", "заявитель"),
        ("representative", "представитель"),
        ("counsel", "защитник"),
        ("client", "доверитель"),
        ("prisoner", "заключённый"),
    ],
    taken: "Снято",
    camera: "Камера",
    location: "Место (GPS)",
    pages: "Страниц",
    not_attached: "Оригинал не приложен к этому экземпляру по решению отправителя. Указанный выше SHA-256 позволяет проверить копию, полученную иным путём.",
    no_inline: "Этот файл нельзя показать здесь: откройте приложенный оригинал.",
    truncated: "[… текст здесь сокращён; полный текст — в приложенном оригинале]",
    excerpt: "Фрагмент текстового слоя",
    verification: "Как проверить этот документ",
    verification_steps: &[
        "Этот PDF подписан электронной подписью (PAdES, ETSI.CAdES.detached), которая охватывает весь файл. Любое изменение после подписания, даже одного байта, делает её недействительной; добавление после подписания отображается как «подписан не весь документ».",
        "Отпечаток ниже напечатан самим документом. Получите сертификат подписанта (файл .pem) и его отпечаток от отправителя по другому каналу и сравните: openssl x509 -in signer.pem -noout -fingerprint -sha256",
        "Poppler (Linux): pdfsig ФАЙЛ.pdf должен вывести «Signature is Valid.» и «Total document signed». Чтобы проверить и подписанта: certutil -N -d sql:DIR --empty-password; certutil -A -d sql:DIR -n dossier -t CT,C,C -i signer.pem; pdfsig -nssdir sql:DIR ФАЙЛ.pdf должен добавить «Certificate is Trusted.»",
        "pyHanko: pyhanko sign validate --trust signer.pem --trust-replace ФАЙЛ.pdf должен завершиться строкой INTACT:TRUSTED,UNTOUCHED.",
        "Adobe Acrobat Reader: откройте панель «Подписи». Пока сертификат не отмечен как доверенный, личность подписанта считается неизвестной; чтобы доверять ему: «Свойства подписи», «Показать сертификат подписавшего», «Доверие», «Добавить в доверенные сертификаты», отметьте «Использовать этот сертификат как доверенный корневой». После этого должно быть указано, что документ не изменялся после подписания.",
        "Приложения: каждый оригинал приложен к этому PDF (панель вложений в программе просмотра или pdfdetach -saveall ФАЙЛ.pdf). Вычислите SHA-256 каждого файла (sha256sum ФАЙЛ в Linux, shasum -a 256 ФАЙЛ в macOS, certutil -hashfile ФАЙЛ SHA256 в Windows) и сравните с перечнем приложений, который также приложен как dossier-manifest.json.",
        "В Dossier: dossier verify-pdf ФАЙЛ.pdf --fingerprint ОТПЕЧАТОК проверяет всё это сразу.",
    ],
    fingerprint: "Корневой сертификат подписанта, отпечаток SHA-256",
    signed_at: "Подписано",
    page_of: "Стр. {n} из {m}",
    about: "около",
    evidence: "Доказательства",
    months: [
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ],
    months_after_day: [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
    months_about: None,
};

/// Spanish month names before a year: "marzo de 2031".
const ES_MONTHS: [&str; 12] = [
    "enero de",
    "febrero de",
    "marzo de",
    "abril de",
    "mayo de",
    "junio de",
    "julio de",
    "agosto de",
    "septiembre de",
    "octubre de",
    "noviembre de",
    "diciembre de",
];

pub static ES: Labels = Labels {
    language_name: "Español",
    contents: "Índice",
    recipient: "Destinatario",
    title: "Asunto",
    case_numbers: "Números de expediente",
    submitted_by: "Presentado por",
    date: "Fecha",
    language: "Idioma",
    court: "Tribunal",
    status: "Situación",
    charges: "Cargos",
    summary: "Resumen",
    people: "Personas",
    name: "Nombre",
    aliases: "Otros nombres",
    born: "Fecha de nacimiento",
    nationality: "Nacionalidad",
    roles: "Papel en el caso",
    chronology: "Cronología",
    event: "Hecho",
    annexes_col: "Anexos",
    undated: "Hechos sin fecha",
    chronology_rule: "Por orden de fecha. Una fecha conocida solo por el año o el mes se sitúa en su primer día, antes de las fechas más precisas de ese mismo día; las fechas aproximadas («hacia») se sitúan como si fueran exactas. Los hechos sin fecha figuran aparte, al final.",
    annex_list: "Lista de anexos",
    annex: "Anexo",
    number: "N.º",
    annex_title: "Título",
    kind: "Tipo",
    size: "Tamaño",
    annexes: "Anexos",
    file: "Archivo adjunto",
    no_date: "sin fecha",
    from_file: "según los metadatos del archivo",
    from_file_note: "* Fecha tomada de los metadatos del propio archivo (cámara, encabezado del correo o propiedades del documento); las demás fechas las indica la parte que presenta la comunicación.",
    bytes: "bytes",
    mail_headers: ["De", "Para", "Cc", "Fecha", "Asunto"],
    role_names: [
        ("detainee", "persona detenida"),
        ("lawyer", "abogado/a"),
        ("family", "familia"),
        ("judge", "juez/a"),
        ("prosecutor", "fiscal"),
        ("witness", "testigo"),
        ("victim", "víctima"),
        ("investigator", "investigador/a"),
        ("source", "fuente"),
        ("petitioner", "peticionario/a"),
        ("representative", "representante"),
        ("counsel", "letrado/a"),
        ("client", "cliente"),
        ("prisoner", "preso/a"),
    ],
    taken: "Tomada",
    camera: "Cámara",
    location: "Ubicación (GPS)",
    pages: "Páginas",
    not_attached: "El original no se adjunta a esta copia, por decisión del remitente. Su SHA-256, indicado arriba, permite comprobar una copia obtenida por otra vía.",
    no_inline: "Este archivo no puede mostrarse aquí: abra el original adjunto.",
    truncated: "[… abreviado aquí; el original adjunto contiene el texto completo]",
    excerpt: "Extracto de la capa de texto",
    verification: "Cómo verificar este documento",
    verification_steps: &[
        "Este PDF lleva una firma digital (PAdES, ETSI.CAdES.detached) que cubre todo el archivo. Cualquier cambio posterior a la firma, aunque sea de un solo byte, la invalida; un añadido posterior se señala como no cubierto por la firma.",
        "La huella impresa abajo la imprime el propio documento. Obtenga el certificado del firmante (un archivo .pem) y su huella del remitente por otro canal, y compárelas: openssl x509 -in signer.pem -noout -fingerprint -sha256",
        "Poppler (Linux): pdfsig ARCHIVO.pdf debe indicar «Signature is Valid.» y «Total document signed». Para comprobar también al firmante: certutil -N -d sql:DIR --empty-password; certutil -A -d sql:DIR -n dossier -t CT,C,C -i signer.pem; pdfsig -nssdir sql:DIR ARCHIVO.pdf debe añadir «Certificate is Trusted.»",
        "pyHanko: pyhanko sign validate --trust signer.pem --trust-replace ARCHIVO.pdf debe terminar en INTACT:TRUSTED,UNTOUCHED.",
        "Adobe Acrobat Reader: abra el panel Firmas. Mientras el certificado no sea de confianza, la identidad del firmante figura como desconocida; para confiar en él: Propiedades de la firma, Mostrar certificado del firmante, Confianza, Agregar a certificados de confianza, y marque «Usar este certificado como raíz de confianza». Entonces debe indicar que el documento no se ha modificado desde la firma.",
        "Anexos: cada original va adjunto a este PDF (panel de archivos adjuntos del lector, o pdfdetach -saveall ARCHIVO.pdf). Calcule el SHA-256 de cada archivo (sha256sum ARCHIVO en Linux, shasum -a 256 ARCHIVO en macOS, certutil -hashfile ARCHIVO SHA256 en Windows) y compárelo con la lista de anexos, adjunta también como dossier-manifest.json.",
        "Con Dossier: dossier verify-pdf ARCHIVO.pdf --fingerprint HUELLA comprueba todo lo anterior de una vez.",
    ],
    fingerprint: "Certificado raíz del firmante, huella SHA-256",
    signed_at: "Firmado el",
    page_of: "Página {n} de {m}",
    about: "hacia",
    evidence: "Pruebas",
    months: ES_MONTHS,
    months_after_day: [
        "de enero de",
        "de febrero de",
        "de marzo de",
        "de abril de",
        "de mayo de",
        "de junio de",
        "de julio de",
        "de agosto de",
        "de septiembre de",
        "de octubre de",
        "de noviembre de",
        "de diciembre de",
    ],
    // "hacia marzo de 2031", not "hacia de marzo de 2031".
    months_about: Some(ES_MONTHS),
};

impl Labels {
    /// A role as this language names it: the offered ones translated, any other as written.
    pub fn role(&self, role: &str) -> String {
        self.role_names
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(role.trim()))
            .map_or_else(|| role.to_string(), |(_, shown)| shown.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words that are the same in English and the other language (or international).
    const SAME: &[&str] = &[
        "Cc", "SHA-256", "source", "Date", "bytes", "Type", "Pages", "Notes", "Annexes", "Contact",
        "No.",
    ];

    fn leaves(v: &serde_json::Value, path: String, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::String(s) => out.push((path, s.clone())),
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    leaves(x, format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    leaves(x, format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }

    /// Every label of every offered language is there and translated: a label left empty,
    /// or left in English, fails here (roles' keys excepted: they are what users type).
    #[test]
    fn every_label_of_every_language_is_translated() {
        let mut english = Vec::new();
        leaves(
            &serde_json::to_value(&EN).unwrap(),
            String::new(),
            &mut english,
        );
        for lang in [Lang::Fr, Lang::Ru, Lang::Es] {
            let mut other = Vec::new();
            leaves(
                &serde_json::to_value(lang.labels()).unwrap(),
                String::new(),
                &mut other,
            );
            let other: std::collections::HashMap<_, _> = other.into_iter().collect();
            for (path, en) in &english {
                let key_of_role = path.starts_with(".role_names") && path.ends_with("[0]");
                // An optional table (months_about) may be absent where the other serves.
                let Some(text) = other.get(path) else {
                    assert!(
                        path.starts_with(".months_about"),
                        "{lang:?}: {path} is missing"
                    );
                    continue;
                };
                assert!(!text.trim().is_empty(), "{lang:?}: {path} is empty");
                if !key_of_role && text == en {
                    assert!(
                        SAME.contains(&en.as_str()),
                        "{lang:?}: {path} is still English: {en:?}"
                    );
                }
            }
        }
    }
}
