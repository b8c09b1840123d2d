//! Synthetic people, devices, user agents and the tenant app they use.
//!
//! Everything here is made up from the seed: names from many cultures (with non-ASCII and CJK
//! spellings), e-mail addresses under `example.*` domains, phone numbers from fictional ranges
//! where a country has one (`+1 NPA 555-01xx`, `+44 7700 900xxx`, `+61 491 57x xxx`,
//! `+33 6 39 98 xx xx`), addresses on invented streets.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::json::date_of;

pub(crate) type R = ChaCha8Rng;

/// A uniformly chosen element.
pub(crate) fn pick<T: Copy>(rng: &mut R, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// `true` with probability `p`.
pub(crate) fn chance(rng: &mut R, p: f64) -> bool {
    rng.random::<f64>() < p
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `n` random lower-case hex digits.
pub(crate) fn hex(rng: &mut R, n: usize) -> String {
    let mut s = String::with_capacity(n);
    let mut bits = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            bits = rng.random();
        }
        s.push(HEX[(bits & 0xf) as usize] as char);
        bits >>= 4;
    }
    s
}

/// A random (version 4) UUID.
pub(crate) fn uuid(rng: &mut R) -> String {
    let a: u64 = rng.random();
    let b: u64 = rng.random();
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let mut s = String::with_capacity(36);
    for i in 0..16u32 {
        let byte = if i < 8 {
            (a >> (56 - 8 * i)) as u8
        } else {
            (b >> (56 - 8 * (i - 8))) as u8
        };
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 0xf) as usize] as char);
    }
    s
}

/// `n` characters of RFC 4648 base32 (upper case), the alphabet of one-time link codes.
pub(crate) fn base32(rng: &mut R, n: usize) -> String {
    const ALPHA: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| ALPHA[rng.random_range(0..32)] as char)
        .collect()
}

/// `n` random decimal digits (the first one non-zero when `lead` is true).
pub(crate) fn digits(rng: &mut R, n: usize, lead: bool) -> String {
    let mut s = String::with_capacity(n);
    for i in 0..n {
        let lo = if lead && i == 0 { 1 } else { 0 };
        s.push((b'0' + rng.random_range(lo..10u8)) as char);
    }
    s
}

// === names ===

/// A name part: how it is written, and an ASCII form for e-mail addresses and usernames.
pub(crate) type Part = (&'static str, &'static str);

const GIVEN: &[Part] = &[
    ("Zoë", "zoe"),
    ("Jürgen", "jurgen"),
    ("Łukasz", "lukasz"),
    ("José", "jose"),
    ("Maëlle", "maelle"),
    ("Anaïs", "anais"),
    ("Søren", "soren"),
    ("Björn", "bjorn"),
    ("Siobhán", "siobhan"),
    ("Chloé", "chloe"),
    ("François", "francois"),
    ("Ingrid", "ingrid"),
    ("Isabela", "isabela"),
    ("Giulia", "giulia"),
    ("Priyanka", "priyanka"),
    ("Aisha", "aisha"),
    ("Chiamaka", "chiamaka"),
    ("Oluwaseun", "oluwaseun"),
    ("Fionnuala", "fionnuala"),
    ("Esperanza", "esperanza"),
    ("Rashida", "rashida"),
    ("Magnus", "magnus"),
    ("Thandiwe", "thandiwe"),
    ("Wiktoria", "wiktoria"),
    ("Jaroslav", "jaroslav"),
    ("Nikolai", "nikolai"),
    ("Mariam", "mariam"),
    ("Tobias", "tobias"),
    ("Xiomara", "xiomara"),
    ("Kaveh", "kaveh"),
    ("Leilani", "leilani"),
    ("Mateo", "mateo"),
    ("Valentina", "valentina"),
    ("Amara", "amara"),
    ("Dmitri", "dmitri"),
    ("Emeka", "emeka"),
    ("Sofía", "sofia"),
    ("Renée", "renee"),
    ("Ömer", "omer"),
    ("Niamh", "niamh"),
    ("Tomás", "tomas"),
    ("Ayşe", "ayse"),
    ("Zsófia", "zsofia"),
    ("Elif", "elif"),
    ("Jovana", "jovana"),
    ("Rahul", "rahul"),
    ("Ananya", "ananya"),
    ("Olamide", "olamide"),
    ("Camille", "camille"),
    ("Henrik", "henrik"),
    ("Matthias", "matthias"),
    ("Gabriela", "gabriela"),
    ("Ximena", "ximena"),
    ("Deepika", "deepika"),
    ("Yusuf", "yusuf"),
    ("Fatima", "fatima"),
    ("Kenji", "kenji"),
    ("Bartholomew", "bartholomew"),
    ("Małgorzata", "malgorzata"),
    ("Joaquín", "joaquin"),
];

const FAMILY: &[Part] = &[
    ("Sandoval", "sandoval"),
    ("Wójcik", "wojcik"),
    ("Bergström", "bergstrom"),
    ("Lindqvist", "lindqvist"),
    ("Szabó", "szabo"),
    ("de la Cruz", "delacruz"),
    ("Rahimi", "rahimi"),
    ("Okonkwo", "okonkwo"),
    ("Adebayo", "adebayo"),
    ("Oyelaran", "oyelaran"),
    ("Achterberg", "achterberg"),
    ("Castellanos", "castellanos"),
    ("Kowalczyk", "kowalczyk"),
    ("Esposito", "esposito"),
    ("Agostini", "agostini"),
    ("Gallagher", "gallagher"),
    ("Underwood", "underwood"),
    ("Nguyen", "nguyen"),
    ("Hernández", "hernandez"),
    ("Müller", "muller"),
    ("Weiß", "weiss"),
    ("Dąbrowski", "dabrowski"),
    ("Ó Briain", "obriain"),
    ("García", "garcia"),
    ("Sørensen", "sorensen"),
    ("Novák", "novak"),
    ("Papadopoulos", "papadopoulos"),
    ("Yılmaz", "yilmaz"),
    ("Haddad", "haddad"),
    ("Kapoor", "kapoor"),
    ("Iyer", "iyer"),
    ("Mensah", "mensah"),
    ("Vasquez", "vasquez"),
    ("Lefèvre", "lefevre"),
    ("Schröder", "schroder"),
    ("Fitzgerald", "fitzgerald"),
    ("Abernathy", "abernathy"),
    ("Moreau", "moreau"),
    ("Kristiansen", "kristiansen"),
    ("Ishikawa", "ishikawa"),
    ("Oyelowo", "oyelowo"),
    ("Villanueva", "villanueva"),
];

const JA_GIVEN: &[Part] = &[
    ("健太", "kenta"),
    ("陽菜", "hina"),
    ("翔太", "shota"),
    ("美咲", "misaki"),
    ("大輔", "daisuke"),
    ("結衣", "yui"),
    ("蓮", "ren"),
    ("さくら", "sakura"),
];
const JA_FAMILY: &[Part] = &[
    ("高橋", "takahashi"),
    ("佐藤", "sato"),
    ("鈴木", "suzuki"),
    ("田中", "tanaka"),
    ("伊藤", "ito"),
    ("渡辺", "watanabe"),
    ("山本", "yamamoto"),
    ("小林", "kobayashi"),
];
const ZH_GIVEN: &[Part] = &[
    ("志明", "chiming"),
    ("雅婷", "yating"),
    ("嘉欣", "kayan"),
    ("偉強", "waikeung"),
    ("詠詩", "wingsze"),
    ("家豪", "kaho"),
    ("美玲", "meiling"),
];
const ZH_FAMILY: &[Part] = &[
    ("王", "wong"),
    ("陳", "chan"),
    ("張", "cheung"),
    ("李", "lee"),
    ("黃", "wong"),
    ("林", "lam"),
    ("劉", "lau"),
    ("歐陽", "auyeung"),
];
const KO_GIVEN: &[Part] = &[
    ("서연", "seoyeon"),
    ("민준", "minjun"),
    ("지우", "jiwoo"),
    ("하은", "haeun"),
    ("도윤", "doyun"),
    ("수아", "sua"),
];
const KO_FAMILY: &[Part] = &[
    ("김", "kim"),
    ("이", "lee"),
    ("박", "park"),
    ("최", "choi"),
    ("정", "jung"),
    ("강", "kang"),
];

// === countries ===

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneStyle {
    /// `+1 NPA 555-01xx` (the North American fictional block).
    Nanp(&'static [&'static str]),
    /// `+44 7700 900xxx`.
    Uk,
    /// `+61 491 57x xxx`.
    Au,
    /// `+33 6 39 98 xx xx`.
    Fr,
    /// A country code, a fixed prefix, and `n` random digits.
    Prefix(&'static str, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrStyle {
    /// `123 Maple Street`, `City, ST 12345-6789`.
    Us,
    /// `12 Maple Road`, `Town AB1 2CD`.
    Uk,
    /// `12 Maple Avenue`, `Suburb NSW 2000`.
    Au,
    /// `123 Maple Street`, `City, QC H2X 1Y4`.
    Ca,
    /// `Lindenstraße 12`, `10115 Berlin`.
    De,
    /// `12 rue des Lilas`, `75011 Paris`.
    Fr,
    /// `4-19-15 Sakuragaoka`, `Meguro-ku, Tokyo 153-0053`.
    Jp,
    /// `Blk 123 Orchard Avenue 4, #12-345`, `Singapore 123456`.
    Sg,
    /// `123 Maple Road`, `City 123456`.
    Generic,
}

#[derive(Debug)]
pub(crate) struct Country {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) weight: u32,
    /// Native given and family names, used for most people of the country (CJK countries).
    pub(crate) native: Option<(&'static [Part], &'static [Part])>,
    pub(crate) langs: &'static [&'static [&'static str]],
    pub(crate) zones: &'static [&'static str],
    pub(crate) phone: PhoneStyle,
    pub(crate) addr: AddrStyle,
    /// (locality, region) pairs.
    pub(crate) cities: &'static [(&'static str, &'static str)],
    /// First octets of IPv4 addresses geolocated there.
    pub(crate) octets: &'static [u8],
    /// The first 16 bits of IPv6 addresses geolocated there.
    pub(crate) v6: &'static [&'static str],
}

pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        code: "US",
        name: "United States",
        weight: 24,
        native: None,
        langs: &[&["en-US", "en"], &["en-US"], &["es-US", "es", "en"]],
        zones: &[
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "America/Denver",
        ],
        phone: PhoneStyle::Nanp(&[
            "212", "213", "303", "305", "404", "415", "512", "617", "702", "206", "312",
        ]),
        addr: AddrStyle::Us,
        cities: &[
            ("Springfield", "IL"),
            ("Riverside", "CA"),
            ("Fairview", "NY"),
            ("Georgetown", "TX"),
            ("Madison", "WI"),
            ("Franklin", "TN"),
            ("Clinton", "WA"),
        ],
        octets: &[23, 45, 66, 72, 98, 104, 135, 155, 162, 173, 184, 208],
        v6: &["2600", "2601", "2607", "2a00"],
    },
    Country {
        code: "GB",
        name: "United Kingdom",
        weight: 10,
        native: None,
        langs: &[&["en-GB", "en"], &["en-GB"]],
        zones: &["Europe/London"],
        phone: PhoneStyle::Uk,
        addr: AddrStyle::Uk,
        cities: &[
            ("Jesmond", "Newcastle upon Tyne"),
            ("Clifton", "Bristol"),
            ("Headingley", "Leeds"),
            ("Didsbury", "Manchester"),
            ("Camden", "London"),
        ],
        octets: &[2, 31, 51, 81, 86, 90, 109, 146, 212],
        v6: &["2a02", "2a01"],
    },
    Country {
        code: "DE",
        name: "Germany",
        weight: 7,
        native: None,
        langs: &[&["de-DE", "de", "en"], &["de"]],
        zones: &["Europe/Berlin"],
        phone: PhoneStyle::Prefix("+4915", 9),
        addr: AddrStyle::De,
        cities: &[
            ("Berlin", "Berlin"),
            ("Hamburg", "Hamburg"),
            ("München", "Bayern"),
            ("Köln", "Nordrhein-Westfalen"),
            ("Leipzig", "Sachsen"),
        ],
        octets: &[46, 77, 79, 84, 87, 91, 93, 141, 178, 217],
        v6: &["2a02", "2003"],
    },
    Country {
        code: "FR",
        name: "France",
        weight: 6,
        native: None,
        langs: &[&["fr-FR", "fr"], &["fr-FR", "fr", "en"]],
        zones: &["Europe/Paris"],
        phone: PhoneStyle::Fr,
        addr: AddrStyle::Fr,
        cities: &[
            ("Paris", "Île-de-France"),
            ("Lyon", "Auvergne-Rhône-Alpes"),
            ("Nantes", "Pays de la Loire"),
            ("Lille", "Hauts-de-France"),
        ],
        octets: &[37, 78, 80, 82, 90, 92, 176, 195],
        v6: &["2a01", "2001"],
    },
    Country {
        code: "ES",
        name: "Spain",
        weight: 3,
        native: None,
        langs: &[&["es-ES", "es"], &["es", "ca", "en"]],
        zones: &["Europe/Madrid"],
        phone: PhoneStyle::Prefix("+346", 8),
        addr: AddrStyle::Generic,
        cities: &[
            ("Madrid", "Madrid"),
            ("Valencia", "Valencia"),
            ("Sevilla", "Andalucía"),
        ],
        octets: &[83, 88, 95, 213],
        v6: &["2a0c"],
    },
    Country {
        code: "BR",
        name: "Brazil",
        weight: 5,
        native: None,
        langs: &[&["pt-BR", "pt", "en"], &["pt-BR"]],
        zones: &["America/Sao_Paulo"],
        phone: PhoneStyle::Prefix("+55119", 8),
        addr: AddrStyle::Generic,
        cities: &[("São Paulo", "SP"), ("Curitiba", "PR"), ("Recife", "PE")],
        octets: &[177, 179, 186, 187, 189, 200, 201],
        v6: &["2804", "2801"],
    },
    Country {
        code: "MX",
        name: "Mexico",
        weight: 3,
        native: None,
        langs: &[&["es-MX", "es", "en"]],
        zones: &["America/Mexico_City"],
        phone: PhoneStyle::Prefix("+5255", 8),
        addr: AddrStyle::Generic,
        cities: &[
            ("Ciudad de México", "CDMX"),
            ("Guadalajara", "Jalisco"),
            ("Monterrey", "Nuevo León"),
        ],
        octets: &[148, 187, 189, 201],
        v6: &["2806"],
    },
    Country {
        code: "PL",
        name: "Poland",
        weight: 3,
        native: None,
        langs: &[&["pl-PL", "pl", "en"]],
        zones: &["Europe/Warsaw"],
        phone: PhoneStyle::Prefix("+485", 8),
        addr: AddrStyle::Generic,
        cities: &[
            ("Kraków", "Małopolskie"),
            ("Wrocław", "Dolnośląskie"),
            ("Gdańsk", "Pomorskie"),
        ],
        octets: &[31, 46, 83, 89, 91, 188],
        v6: &["2a02"],
    },
    Country {
        code: "SE",
        name: "Sweden",
        weight: 2,
        native: None,
        langs: &[&["sv-SE", "sv", "en"]],
        zones: &["Europe/Stockholm"],
        phone: PhoneStyle::Prefix("+4670", 7),
        addr: AddrStyle::Generic,
        cities: &[
            ("Malmö", "Skåne"),
            ("Göteborg", "Västra Götaland"),
            ("Uppsala", "Uppsala"),
        ],
        octets: &[78, 81, 83, 85, 194],
        v6: &["2001"],
    },
    Country {
        code: "NG",
        name: "Nigeria",
        weight: 3,
        native: None,
        langs: &[&["en-NG", "en"], &["en-US", "en", "yo"]],
        zones: &["Africa/Lagos"],
        phone: PhoneStyle::Prefix("+23480", 8),
        addr: AddrStyle::Generic,
        cities: &[("Ikeja", "Lagos"), ("Wuse", "FCT"), ("Bodija", "Oyo")],
        octets: &[41, 102, 105, 154, 197],
        v6: &["2c0f"],
    },
    Country {
        code: "IN",
        name: "India",
        weight: 6,
        native: None,
        langs: &[&["en-IN", "en", "hi"], &["hi-IN", "hi", "en"]],
        zones: &["Asia/Kolkata"],
        phone: PhoneStyle::Prefix("+919", 9),
        addr: AddrStyle::Generic,
        cities: &[
            ("Bengaluru", "Karnataka"),
            ("Pune", "Maharashtra"),
            ("Chennai", "Tamil Nadu"),
            ("Hyderabad", "Telangana"),
        ],
        octets: &[49, 103, 106, 117, 122, 157, 182],
        v6: &["2401", "2409"],
    },
    Country {
        code: "JP",
        name: "Japan",
        weight: 6,
        native: Some((JA_GIVEN, JA_FAMILY)),
        langs: &[&["ja-JP", "ja"], &["ja", "en-US", "en"]],
        zones: &["Asia/Tokyo"],
        phone: PhoneStyle::Prefix("+8190", 8),
        addr: AddrStyle::Jp,
        cities: &[
            ("Meguro-ku", "Tokyo"),
            ("Setagaya-ku", "Tokyo"),
            ("Naka-ku", "Yokohama"),
            ("Kita-ku", "Osaka"),
        ],
        octets: &[60, 106, 110, 114, 124, 126, 133, 153, 180, 218],
        v6: &["240b", "2400"],
    },
    Country {
        code: "HK",
        name: "Hong Kong",
        weight: 4,
        native: Some((ZH_GIVEN, ZH_FAMILY)),
        langs: &[&["zh-HK", "zh", "en"], &["en-HK", "zh-HK", "en"]],
        zones: &["Asia/Hong_Kong"],
        phone: PhoneStyle::Prefix("+8529", 7),
        addr: AddrStyle::Generic,
        cities: &[
            ("Mong Kok", "Kowloon"),
            ("Sha Tin", "New Territories"),
            ("Wan Chai", "Hong Kong Island"),
        ],
        octets: &[42, 58, 112, 119, 203, 219],
        v6: &["2404"],
    },
    Country {
        code: "KR",
        name: "South Korea",
        weight: 3,
        native: Some((KO_GIVEN, KO_FAMILY)),
        langs: &[&["ko-KR", "ko"], &["ko", "en"]],
        zones: &["Asia/Seoul"],
        phone: PhoneStyle::Prefix("+8210", 8),
        addr: AddrStyle::Generic,
        cities: &[
            ("Mapo-gu", "Seoul"),
            ("Gangnam-gu", "Seoul"),
            ("Haeundae-gu", "Busan"),
        ],
        octets: &[1, 14, 39, 58, 110, 121, 211, 221],
        v6: &["2001"],
    },
    Country {
        code: "SG",
        name: "Singapore",
        weight: 3,
        native: None,
        langs: &[&["en-SG", "zh-SG", "en"], &["en-SG", "en"]],
        zones: &["Asia/Singapore"],
        phone: PhoneStyle::Prefix("+658", 7),
        addr: AddrStyle::Sg,
        cities: &[("Singapore", "")],
        octets: &[8, 101, 111, 118, 128, 175, 202],
        v6: &["2406"],
    },
    Country {
        code: "AU",
        name: "Australia",
        weight: 5,
        native: None,
        langs: &[&["en-AU", "en"]],
        zones: &[
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
        ],
        phone: PhoneStyle::Au,
        addr: AddrStyle::Au,
        cities: &[
            ("Fitzroy", "VIC"),
            ("Parramatta", "NSW"),
            ("Fortitude Valley", "QLD"),
            ("Fremantle", "WA"),
        ],
        octets: &[1, 27, 49, 101, 110, 120, 139, 144, 203],
        v6: &["2001", "2401"],
    },
    Country {
        code: "CA",
        name: "Canada",
        weight: 4,
        native: None,
        langs: &[
            &["en-CA", "en"],
            &["fr-CA", "fr", "en"],
            &["en-CA", "fr-CA", "en"],
        ],
        zones: &["America/Toronto", "America/Vancouver"],
        phone: PhoneStyle::Nanp(&["416", "604", "613", "514"]),
        addr: AddrStyle::Ca,
        cities: &[
            ("Mississauga", "ON"),
            ("Burnaby", "BC"),
            ("Laval", "QC"),
            ("Halifax", "NS"),
        ],
        octets: &[24, 70, 99, 142, 174, 206],
        v6: &["2607"],
    },
];

const STREET_NAMES: &[&str] = &[
    "Maple",
    "Alder",
    "Juniper",
    "Sycamore",
    "Rosewood",
    "Orchard",
    "Thistle",
    "Pemberton",
    "Elmhurst",
    "Quarry",
    "Larkspur",
    "Cobblestone",
    "Willowbrook",
    "Hawthorn",
    "Marigold",
];
const STREET_SUFFIX: &[&str] = &[
    "Street", "Road", "Avenue", "Lane", "Drive", "Terrace", "Crescent", "Way",
];
const DE_STREETS: &[&str] = &[
    "Lindenstraße",
    "Schloßallee",
    "Müllerweg",
    "Gartenstraße",
    "Am Mühlbach",
    "Birkenweg",
];
const FR_STREETS: &[&str] = &[
    "rue des Lilas",
    "avenue Jean Jaurès",
    "rue de la Fontaine",
    "boulevard Voltaire",
    "impasse des Tilleuls",
];
const JP_CHO: &[&str] = &[
    "Sakuragaoka",
    "Jingumae",
    "Nakameguro",
    "Kichijoji Honcho",
    "Yanaka",
];

/// A postal address (standard attribute `address`).
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) street: String,
    pub(crate) locality: &'static str,
    pub(crate) region: &'static str,
    pub(crate) postal: String,
    pub(crate) country: &'static str,
    pub(crate) formatted: String,
}

fn upper(rng: &mut R) -> char {
    (b'A' + rng.random_range(0..26u8)) as char
}

pub(crate) fn make_address(rng: &mut R, c: &'static Country) -> Address {
    let (locality, region) = pick(rng, c.cities);
    let num = rng.random_range(2..9000u32);
    let western = |rng: &mut R| {
        format!(
            "{} {} {}",
            num,
            pick(rng, STREET_NAMES),
            pick(rng, STREET_SUFFIX)
        )
    };
    let (street, postal, formatted);
    match c.addr {
        AddrStyle::Us => {
            street = western(rng);
            postal = if chance(rng, 0.5) {
                format!(
                    "{:05}-{:04}",
                    rng.random_range(10000..99999u32),
                    rng.random_range(0..10000u32)
                )
            } else {
                format!("{:05}", rng.random_range(10000..99999u32))
            };
            formatted = format!("{street}, {locality}, {region} {postal}");
        }
        AddrStyle::Ca => {
            street = western(rng);
            postal = format!(
                "{}{}{} {}{}{}",
                upper(rng),
                rng.random_range(0..10u8),
                upper(rng),
                rng.random_range(0..10u8),
                upper(rng),
                rng.random_range(0..10u8)
            );
            formatted = format!("{street}, {locality}, {region} {postal}");
        }
        AddrStyle::Uk => {
            street = format!(
                "{} {} {}",
                rng.random_range(1..300u32),
                pick(rng, STREET_NAMES),
                pick(rng, STREET_SUFFIX)
            );
            postal = format!(
                "{}{}{} {}{}{}",
                upper(rng),
                upper(rng),
                rng.random_range(1..30u8),
                rng.random_range(0..10u8),
                upper(rng),
                upper(rng)
            );
            formatted = format!("{street}, {locality} {postal}");
        }
        AddrStyle::Au => {
            street = format!(
                "{} {} {}",
                rng.random_range(1..900u32),
                pick(rng, STREET_NAMES),
                pick(rng, STREET_SUFFIX)
            );
            postal = format!("{:04}", rng.random_range(800..9999u32));
            formatted = format!("{street}, {locality} {region} {postal}");
        }
        AddrStyle::De => {
            street = format!("{} {}", pick(rng, DE_STREETS), rng.random_range(1..120u32));
            postal = format!("{:05}", rng.random_range(10000..99999u32));
            formatted = format!("{street}, {postal} {locality}");
        }
        AddrStyle::Fr => {
            street = format!("{} {}", rng.random_range(1..120u32), pick(rng, FR_STREETS));
            postal = format!("{:05}", rng.random_range(10000..95999u32));
            formatted = format!("{street}, {postal} {locality}");
        }
        AddrStyle::Jp => {
            street = format!(
                "{}-{}-{} {}",
                rng.random_range(1..6u32),
                rng.random_range(1..30u32),
                rng.random_range(1..20u32),
                pick(rng, JP_CHO)
            );
            postal = format!(
                "{:03}-{:04}",
                rng.random_range(100..999u32),
                rng.random_range(0..10000u32)
            );
            formatted = format!("{street}, {locality}, {region} {postal}");
        }
        AddrStyle::Sg => {
            street = format!(
                "Blk {} {} Avenue {}, #{:02}-{}",
                rng.random_range(100..999u32),
                pick(rng, STREET_NAMES),
                rng.random_range(1..9u32),
                rng.random_range(2..30u32),
                rng.random_range(100..999u32)
            );
            postal = format!("{:06}", rng.random_range(100000..999999u32));
            formatted = format!("{street}, Singapore {postal}");
        }
        AddrStyle::Generic => {
            street = western(rng);
            postal = format!("{:06}", rng.random_range(10000..999999u32));
            formatted = format!("{street}, {locality} {postal}");
        }
    }
    Address {
        street,
        locality,
        region,
        postal,
        country: c.code,
        formatted,
    }
}

pub(crate) fn make_phone(rng: &mut R, c: &Country) -> String {
    match c.phone {
        PhoneStyle::Nanp(areas) => format!(
            "+1{}55501{:02}",
            pick(rng, areas),
            rng.random_range(0..100u32)
        ),
        PhoneStyle::Uk => format!("+447700900{:03}", rng.random_range(0..1000u32)),
        PhoneStyle::Au => format!("+6149157{:04}", rng.random_range(0..10000u32)),
        PhoneStyle::Fr => format!("+3363998{:04}", rng.random_range(0..10000u32)),
        PhoneStyle::Prefix(prefix, n) => {
            let mut s = String::with_capacity(prefix.len() + n);
            s.push_str(prefix);
            s.push_str(&digits(rng, n, false));
            s
        }
    }
}

/// A phone number written the way people type it (`+44 7700 900123`), from an E.164 one.
pub(crate) fn spaced_phone(e164: &str) -> String {
    let body = &e164[1..];
    let cc = if body.starts_with('1') || body.starts_with('7') {
        1
    } else if [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ]
    .iter()
    .any(|p| body.starts_with(p))
    {
        2
    } else {
        3
    };
    let (code, rest) = body.split_at(cc);
    let mut out = format!("+{code}");
    let mut i = 0;
    let groups = [3, 3, 4, 4];
    for g in groups {
        if i >= rest.len() {
            break;
        }
        let end = (i + g).min(rest.len());
        out.push(' ');
        out.push_str(&rest[i..end]);
        i = end;
    }
    if i < rest.len() {
        out.push_str(&rest[i..]);
    }
    out
}

// === user agents and devices ===

/// How a person reaches the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Client {
    /// A desktop browser.
    Desktop,
    /// A phone browser.
    MobileWeb,
    /// The app's iOS build (offline grants, biometrics).
    Ios,
    /// The app's Android build (offline grants, biometrics).
    Android,
}

/// A phone model.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Model {
    /// `iPhone15,2`, `SM-S918B`.
    pub(crate) machine: &'static str,
    /// `iPhone 14 Pro`, `Galaxy S23 Ultra`.
    pub(crate) marketing: &'static str,
    /// `samsung`, `Google` (Android) or `Apple`.
    pub(crate) brand: &'static str,
}

pub(crate) const IOS_MODELS: &[Model] = &[
    Model {
        machine: "iPhone15,2",
        marketing: "iPhone 14 Pro",
        brand: "Apple",
    },
    Model {
        machine: "iPhone16,1",
        marketing: "iPhone 15 Pro",
        brand: "Apple",
    },
    Model {
        machine: "iPhone14,5",
        marketing: "iPhone 13",
        brand: "Apple",
    },
    Model {
        machine: "iPhone17,3",
        marketing: "iPhone 16",
        brand: "Apple",
    },
    Model {
        machine: "iPhone14,7",
        marketing: "iPhone 14",
        brand: "Apple",
    },
];
pub(crate) const ANDROID_MODELS: &[Model] = &[
    Model {
        machine: "SM-S918B",
        marketing: "Galaxy S23 Ultra",
        brand: "samsung",
    },
    Model {
        machine: "SM-A546B",
        marketing: "Galaxy A54",
        brand: "samsung",
    },
    Model {
        machine: "Pixel 8",
        marketing: "Pixel 8",
        brand: "Google",
    },
    Model {
        machine: "Pixel 7a",
        marketing: "Pixel 7a",
        brand: "Google",
    },
    Model {
        machine: "23049PCD8G",
        marketing: "Redmi Note 12",
        brand: "Xiaomi",
    },
    Model {
        machine: "CPH2449",
        marketing: "OnePlus 11",
        brand: "OnePlus",
    },
];

/// A device a person uses, with the name they gave it.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub(crate) client: Client,
    pub(crate) model: Model,
    /// `Aisha's iPhone` (UIDevice name / DEVICE_NAME).
    pub(crate) name: String,
    /// `Aishas-iPhone` (iOS `uname` nodename), or the Bluetooth name on Android.
    pub(crate) host_name: String,
    pub(crate) os_version: &'static str,
}

/// A browser or app user agent and what the platform derives from it.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub(crate) client: Client,
    /// The raw header.
    pub(crate) ua: String,
    /// The session `displayName` (`Chrome 124.0.0`, or the device model for apps).
    pub(crate) display: String,
    pub(crate) device: Option<Device>,
}

fn device_name(rng: &mut R, given: &str, given_ascii: &str, product: &str) -> (String, String) {
    let name = match rng.random_range(0..6u32) {
        0..=2 => format!("{given}'s {product}"),
        3 => format!("{product} de {given}"),
        4 => format!("{given}的{product}"),
        _ => format!("{given} {product}"),
    };
    let mut host = String::with_capacity(given_ascii.len() + product.len() + 2);
    let mut first = true;
    for ch in given_ascii.chars() {
        host.push(if first { ch.to_ascii_uppercase() } else { ch });
        first = false;
    }
    host.push_str("s-");
    host.push_str(&product.replace(' ', "-"));
    (name, host)
}

pub(crate) fn make_agent(rng: &mut R, app: &App, given: &str, given_ascii: &str) -> Agent {
    let roll = rng.random_range(0..100u32);
    let client = match roll {
        0..=39 => Client::Desktop,
        40..=59 => Client::MobileWeb,
        60..=79 => Client::Ios,
        _ => Client::Android,
    };
    match client {
        Client::Desktop => {
            let v = rng.random_range(116..132u32);
            match rng.random_range(0..6u32) {
                0 | 1 => {
                    let os = pick(
                        rng,
                        &[
                            "Windows NT 10.0; Win64; x64",
                            "Macintosh; Intel Mac OS X 10_15_7",
                            "X11; Linux x86_64",
                        ],
                    );
                    Agent {
                        client,
                        ua: format!("Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"),
                        display: format!("Chrome {v}.0.0"),
                        device: None,
                    }
                }
                2 => {
                    let build = rng.random_range(2000..2900u32);
                    let patch = rng.random_range(10..160u32);
                    Agent {
                        client,
                        ua: format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.{build}.{patch}"),
                        display: format!("Edge {v}.0.{build}"),
                        device: None,
                    }
                }
                3 => {
                    let os = pick(
                        rng,
                        &[
                            "Windows NT 10.0; Win64; x64",
                            "X11; Linux x86_64",
                            "Macintosh; Intel Mac OS X 14.5",
                            "X11; Ubuntu; Linux x86_64",
                        ],
                    );
                    Agent {
                        client,
                        ua: format!("Mozilla/5.0 ({os}; rv:{v}.0) Gecko/20100101 Firefox/{v}.0"),
                        display: format!("Firefox {v}.0"),
                        device: None,
                    }
                }
                _ => {
                    let sv = pick(rng, &["16.6", "17.4", "17.5", "17.6", "18.0", "18.1"]);
                    Agent {
                        client,
                        ua: format!("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{sv} Safari/605.1.15"),
                        display: format!("Safari {sv}"),
                        device: None,
                    }
                }
            }
        }
        Client::MobileWeb => {
            if chance(rng, 0.5) {
                let (maj, min) = pick(
                    rng,
                    &[(16u32, 7u32), (17, 4), (17, 5), (17, 6), (18, 0), (18, 1)],
                );
                let patch = if maj == 16 { "_8" } else { "" };
                Agent {
                    client,
                    ua: format!("Mozilla/5.0 (iPhone; CPU iPhone OS {maj}_{min}{patch} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{maj}.{min} Mobile/15E148 Safari/604.1"),
                    display: format!("Mobile Safari {maj}.{min}"),
                    device: None,
                }
            } else if chance(rng, 0.8) {
                let v = rng.random_range(116..132u32);
                let a = rng.random_range(11..15u32);
                Agent {
                    client,
                    ua: format!("Mozilla/5.0 (Linux; Android {a}; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36"),
                    display: format!("Chrome Mobile {v}.0.0"),
                    device: None,
                }
            } else {
                let sv = rng.random_range(23..27u32);
                let m = pick(rng, ANDROID_MODELS);
                Agent {
                    client,
                    ua: format!("Mozilla/5.0 (Linux; Android 14; SAMSUNG {}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{sv}.0 Chrome/121.0.0.0 Mobile Safari/537.36", m.machine),
                    display: format!("Samsung Internet {sv}.0"),
                    device: None,
                }
            }
        }
        Client::Ios => {
            let model = pick(rng, IOS_MODELS);
            let os = pick(rng, &["17.4.1", "17.5.1", "17.6", "18.0", "18.1.1"]);
            let darwin = if os.starts_with("18") {
                "24.0.0"
            } else {
                "23.4.0"
            };
            let (name, host) = device_name(rng, given, given_ascii, "iPhone");
            Agent {
                client,
                ua: format!(
                    "{}/{}.{}.{} CFNetwork/1494.0.7 Darwin/{darwin}",
                    app.ua_product,
                    rng.random_range(2..6u32),
                    rng.random_range(0..20u32),
                    rng.random_range(0..10u32)
                ),
                display: model.marketing.to_owned(),
                device: Some(Device {
                    client,
                    model,
                    name,
                    host_name: host,
                    os_version: os,
                }),
            }
        }
        Client::Android => {
            let model = pick(rng, ANDROID_MODELS);
            let os = pick(rng, &["12", "13", "14", "15"]);
            let (name, host) = device_name(rng, given, given_ascii, model.marketing);
            let build = format!(
                "{}.{}.{:03}",
                pick(rng, &["UP1A", "AP2A", "TP1A", "UQ1A"]),
                rng.random_range(230000..250000u32),
                rng.random_range(1..40u32)
            );
            Agent {
                client,
                ua: format!(
                    "Dalvik/2.1.0 (Linux; U; Android {os}; {} Build/{build})",
                    model.machine
                ),
                display: format!("{} {}", model.brand, model.machine),
                device: Some(Device {
                    client,
                    model,
                    name,
                    host_name: host,
                    os_version: os,
                }),
            }
        }
    }
}

/// User agents of server-side callers of the Admin API (API keys).
pub(crate) const SERVER_AGENTS: &[&str] = &[
    "axios/1.7.2",
    "python-requests/2.32.3",
    "Go-http-client/2.0",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "curl/8.5.0",
    "okhttp/4.12.0",
];

// === IP addresses ===

/// A public-looking IP address geolocated in `c`: IPv4 (about 85%) or IPv6.
pub(crate) fn make_ip(rng: &mut R, c: &Country) -> String {
    if chance(rng, 0.15) {
        let mut s = String::with_capacity(39);
        s.push_str(pick(rng, c.v6));
        for _ in 0..7 {
            s.push(':');
            let group: u16 = rng.random();
            s.push_str(&format!("{group:x}"));
        }
        s
    } else {
        format!(
            "{}.{}.{}.{}",
            pick(rng, c.octets),
            rng.random_range(0..256u32),
            rng.random_range(0..256u32),
            rng.random_range(1..255u32)
        )
    }
}

// === the tenant app ===

/// The project whose events are generated.
#[derive(Debug, Clone)]
pub(crate) struct App {
    /// `umbrella-health`.
    pub(crate) id: &'static str,
    /// `Umbrella Health`.
    pub(crate) display: &'static str,
    /// `UmbrellaHealth` (the iOS app's CFNetwork product token).
    pub(crate) ua_product: &'static str,
    /// `com.example.umbrellahealth`.
    pub(crate) bundle: &'static str,
    /// `https://umbrella-health.authgear.cloud`.
    pub(crate) origin: String,
    /// Languages the app supports (the first is the fallback).
    pub(crate) languages: &'static [&'static str],
}

const APPS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "umbrella-health",
        "Umbrella Health",
        "UmbrellaHealth",
        "com.example.umbrellahealth",
        &["en", "ja", "zh-HK", "de", "fr", "es"],
    ),
    (
        "globex-id",
        "Globex ID",
        "GlobexId",
        "com.example.globex",
        &["en", "ko", "ja", "pt-BR", "es"],
    ),
    (
        "acme-shop",
        "Acme Shop",
        "AcmeShop",
        "com.example.acmeshop",
        &["en", "fr", "de", "pl", "sv", "es"],
    ),
    (
        "initech-portal",
        "Initech Portal",
        "Initech",
        "com.example.initech",
        &["en", "zh-HK", "hi", "es"],
    ),
];

pub(crate) fn make_app(rng: &mut R) -> App {
    let (id, display, ua_product, bundle, languages) = pick(rng, APPS);
    App {
        id,
        display,
        ua_product,
        bundle,
        origin: format!("https://{id}.authgear.cloud"),
        languages,
    }
}

// === people ===

/// A synthetic end user of the app.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) id: String,
    pub(crate) created: i64,
    pub(crate) created_us: u32,
    pub(crate) updated: i64,
    pub(crate) updated_us: u32,
    pub(crate) last_login: i64,
    pub(crate) last_login_us: u32,
    pub(crate) anonymous: bool,
    pub(crate) country: &'static Country,
    pub(crate) given: Part,
    pub(crate) family: Part,
    /// The full name as written (`Maëlle Sandoval`, `王志明`).
    pub(crate) full_name: String,
    /// Whether the name attributes are set.
    pub(crate) named: bool,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: bool,
    pub(crate) phone: Option<String>,
    pub(crate) phone_verified: bool,
    pub(crate) username: Option<String>,
    pub(crate) nickname: Option<String>,
    pub(crate) birthdate: Option<String>,
    pub(crate) gender: Option<&'static str>,
    pub(crate) picture: Option<String>,
    pub(crate) profile: Option<String>,
    pub(crate) website: Option<String>,
    pub(crate) address: Option<Address>,
    pub(crate) locale: Option<&'static str>,
    pub(crate) zoneinfo: Option<&'static str>,
    pub(crate) loyalty: Option<String>,
    pub(crate) emergency_phone: Option<String>,
    pub(crate) crm_id: Option<String>,
    pub(crate) tier: Option<&'static str>,
    pub(crate) marketing: Option<bool>,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) groups: Vec<&'static str>,
    /// The usual IP address and its country.
    pub(crate) ip: String,
    pub(crate) agent: Agent,
    pub(crate) langs: &'static [&'static str],
    /// Linked OAuth account: provider and subject id.
    pub(crate) oauth: Option<(&'static str, String)>,
}

pub(crate) const ROLES: &[&str] = &[
    "store_manager",
    "beta_tester",
    "auditor",
    "support_agent",
    "billing_admin",
];
pub(crate) const GROUPS: &[&str] = &[
    "vip_customers",
    "wholesale",
    "apac_staff",
    "emea_staff",
    "early_access",
];
const TIERS: &[&str] = &["bronze", "silver", "gold", "platinum"];
const NICKS: &[&str] = &[
    "Wanderer",
    "Pixelfox",
    "Nightowl",
    "Skylark",
    "Moonbeam",
    "Trailblazer",
    "Quokka",
];
const MAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "inbox.example.net",
    "corp.example.org",
];

pub(crate) fn pick_country(rng: &mut R) -> &'static Country {
    let total: u32 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut x = rng.random_range(0..total);
    for c in COUNTRIES {
        if x < c.weight {
            return c;
        }
        x -= c.weight;
    }
    &COUNTRIES[0]
}

fn ascii_initial(s: &str) -> char {
    s.chars().next().unwrap_or('x')
}

/// An e-mail address for a person.
pub(crate) fn make_email(rng: &mut R, given: &str, family: &str) -> String {
    let domain = pick(rng, MAIL_DOMAINS);
    let n = rng.random_range(10..100u32);
    let fam_short: String = family.chars().take(3).collect();
    match rng.random_range(0..5u32) {
        0 => format!("{given}.{family}{n}@{domain}"),
        1 => format!("{}{family}{n}@{domain}", ascii_initial(given)),
        2 => format!(
            "{family}.{given}.{}@{domain}",
            rng.random_range(1950..2006u32)
        ),
        3 => format!("{given}{fam_short}{n}@{domain}"),
        _ => format!("{given}_{family}@{domain}"),
    }
}

/// A username for a person (`kenji_rgn25`).
pub(crate) fn make_username(rng: &mut R, given: &str, family: &str) -> String {
    let fam: String = family.chars().take(4).collect();
    match rng.random_range(0..3u32) {
        0 => format!("{given}_{fam}{}", rng.random_range(10..100u32)),
        1 => format!("{given}{}", rng.random_range(1000..10000u32)),
        _ => format!(
            "{}{family}_{}",
            ascii_initial(given),
            rng.random_range(1..100u32)
        ),
    }
}

/// What a new person must have.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Want {
    pub(crate) email: bool,
    pub(crate) phone: bool,
    pub(crate) username: bool,
    /// A phone app (so a device with a name).
    pub(crate) device: bool,
    /// An anonymous user (no attributes at all).
    pub(crate) anonymous: bool,
}

/// Makes a new person. `now` is the generator's clock (Unix seconds).
pub(crate) fn make_person(rng: &mut R, app: &App, now: i64, want: Want) -> Person {
    let country = pick_country(rng);
    let (given, family, native) = match country.native {
        Some((g, f)) if chance(rng, 0.75) => (pick(rng, g), pick(rng, f), true),
        _ => (pick(rng, GIVEN), pick(rng, FAMILY), false),
    };
    let full_name = if native {
        format!("{}{}", family.0, given.0)
    } else {
        format!("{} {}", given.0, family.0)
    };
    // Accounts are 1 day to 5 years old.
    let created = now - rng.random_range(86_400..5 * 365 * 86_400i64);
    let updated = created + rng.random_range(0..(now - created).max(1));
    let last_login = updated + rng.random_range(0..(now - updated).max(1));
    let anonymous =
        want.anonymous || (!(want.email || want.phone || want.username) && chance(rng, 0.03));
    let mut email = None;
    let mut phone = None;
    if !anonymous {
        let r = rng.random_range(0..100u32);
        if want.email || r < 80 {
            email = Some(make_email(rng, given.1, family.1));
        }
        if want.phone || r >= 55 || email.is_none() {
            phone = Some(make_phone(rng, country));
        }
    }
    let attr = |rng: &mut R, p: f64| !anonymous && chance(rng, p);
    let named = attr(rng, 0.7);
    let username = if want.username || attr(rng, 0.2) {
        Some(make_username(rng, given.1, family.1))
    } else {
        None
    };
    let nickname = if attr(rng, 0.08) {
        Some(format!(
            "{}{}",
            pick(rng, NICKS),
            rng.random_range(10..100u32)
        ))
    } else {
        None
    };
    let birthdate = if attr(rng, 0.35) {
        let y_secs = rng.random_range(-30 * 365 * 86_400..37 * 365 * 86_400i64); // 1940..2007
        Some(date_of(y_secs))
    } else {
        None
    };
    let gender = if attr(rng, 0.35) {
        Some(pick(
            rng,
            &["female", "male", "female", "male", "non-binary"],
        ))
    } else {
        None
    };
    let picture = if attr(rng, 0.3) {
        Some(format!(
            "{}/_images/{}/{}/profile",
            app.origin,
            app.id,
            hex(rng, 32)
        ))
    } else {
        None
    };
    let profile = if attr(rng, 0.05) {
        Some(format!(
            "https://social.example.com/@{}{}",
            given.1, family.1
        ))
    } else {
        None
    };
    let website = if attr(rng, 0.05) {
        Some(format!("https://{}-{}.example.net/", given.1, family.1))
    } else {
        None
    };
    let address = if attr(rng, 0.25) {
        Some(make_address(rng, country))
    } else {
        None
    };
    let locale = if attr(rng, 0.4) {
        Some(country.langs[0][0])
    } else {
        None
    };
    let zoneinfo = if attr(rng, 0.2) {
        Some(pick(rng, country.zones))
    } else {
        None
    };
    let loyalty = if attr(rng, 0.35) {
        Some(format!("LY-{}-{}", digits(rng, 4, true), base32(rng, 6)))
    } else {
        None
    };
    let emergency_phone = if attr(rng, 0.15) {
        Some(make_phone(rng, country))
    } else {
        None
    };
    let crm_id = if attr(rng, 0.1) {
        Some(format!("CRM-{}", digits(rng, 8, true)))
    } else {
        None
    };
    let tier = if attr(rng, 0.45) {
        Some(pick(rng, TIERS))
    } else {
        None
    };
    let marketing = if tier.is_some() {
        Some(chance(rng, 0.5))
    } else {
        None
    };
    let mut roles = Vec::new();
    if chance(rng, 0.15) {
        roles.push(pick(rng, ROLES));
        if chance(rng, 0.2) {
            let r = pick(rng, ROLES);
            if !roles.contains(&r) {
                roles.push(r);
            }
        }
    }
    let mut groups = Vec::new();
    if chance(rng, 0.2) {
        groups.push(pick(rng, GROUPS));
    }
    let ip = make_ip(rng, country);
    let mut agent = make_agent(rng, app, given.0, given.1);
    while want.device && agent.device.is_none() {
        agent = make_agent(rng, app, given.0, given.1);
    }
    let langs = pick(rng, country.langs);
    let oauth = if !anonymous && chance(rng, 0.3) {
        let provider = pick(rng, &["google", "google", "apple", "facebook", "github"]);
        Some((provider, oauth_subject(rng, provider)))
    } else {
        None
    };
    Person {
        id: uuid(rng),
        created,
        created_us: rng.random_range(1..1_000_000u32),
        updated,
        updated_us: rng.random_range(1..1_000_000u32),
        last_login,
        last_login_us: rng.random_range(1..1_000_000u32),
        anonymous,
        country,
        given,
        family,
        full_name,
        named,
        email_verified: email.is_some() && chance(rng, 0.9),
        email,
        phone_verified: phone.is_some() && chance(rng, 0.85),
        phone,
        username,
        nickname,
        birthdate,
        gender,
        picture,
        profile,
        website,
        address,
        locale,
        zoneinfo,
        loyalty,
        emergency_phone,
        crm_id,
        tier,
        marketing,
        roles,
        groups,
        ip,
        agent,
        langs,
        oauth,
    }
}

/// The subject id an OAuth provider gives a person.
pub(crate) fn oauth_subject(rng: &mut R, provider: &str) -> String {
    match provider {
        "google" => format!("1{}", digits(rng, 20, false)),
        "apple" => format!(
            "00{}.{}.{}",
            digits(rng, 4, true),
            hex(rng, 32),
            digits(rng, 4, true)
        ),
        "facebook" => format!("10{}", digits(rng, 15, false)),
        _ => digits(rng, 9, true),
    }
}

/// An administrator of the project (a portal collaborator).
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    pub(crate) id: String,
    pub(crate) ip: String,
    pub(crate) ua: String,
    pub(crate) country: &'static Country,
}

pub(crate) fn make_admin(rng: &mut R, app: &App) -> Admin {
    let country = &COUNTRIES[rng.random_range(0..4usize)];
    let given = pick(rng, GIVEN);
    let mut agent = make_agent(rng, app, given.0, given.1);
    while agent.client != Client::Desktop {
        agent = make_agent(rng, app, given.0, given.1);
    }
    Admin {
        id: uuid(rng),
        ip: make_ip(rng, country),
        ua: agent.ua,
        country,
    }
}
