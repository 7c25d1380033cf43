"""Static data of the synthetic RIE: regions, POPs, datacentres, towns, lots, class mixes.

Everything the generator (:mod:`simulators.rie`) needs that is a fact or a choice rather
than code: it is documented in ``docs/inventory.md``. Population figures (millions,
INSEE 2021, rounded) weight the placement of sites; coordinates (degrees) place POPs and
datacentres so "nearest" means something.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionData:
    code: str
    name: str
    population_m: float  # weight of the region in site placement
    lot: str  # operator contract lot of the region's sites
    towns: tuple[str, ...]  # first town = regional prefecture (weighted x3 in naming)
    pop: str = ""  # metropolitan: the POP of the region
    pop_city: str = ""
    lat: float = 0.0
    lon: float = 0.0
    overseas: bool = False
    hub_pop: str = ""  # overseas: the metropolitan POP its accesses land on
    satellite_share: float = 0.0  # overseas: share of satellite accesses (the rest copper)


REGIONS: tuple[RegionData, ...] = (
    RegionData("IDF", "Île-de-France", 12.3, "LOT1", (
        "Paris", "Versailles", "Créteil", "Nanterre", "Bobigny", "Évry-Courcouronnes", "Cergy", "Melun", "Meaux",
        "Saint-Denis", "Argenteuil", "Montreuil", "Boulogne-Billancourt", "Étampes", "Fontainebleau",
        "Mantes-la-Jolie", "Pontoise", "Rambouillet", "Provins", "Palaiseau", "Saint-Germain-en-Laye", "Torcy",
        "Le Raincy", "Sarcelles", "Vincennes"), "PAR", "Paris", 48.857, 2.352),
    RegionData("ARA", "Auvergne-Rhône-Alpes", 8.1, "LOT2", (
        "Lyon", "Grenoble", "Saint-Étienne", "Clermont-Ferrand", "Annecy", "Chambéry", "Valence", "Bourg-en-Bresse",
        "Villeurbanne", "Roanne", "Vienne", "Aurillac", "Le Puy-en-Velay", "Moulins", "Montluçon", "Vichy", "Privas",
        "Annemasse", "Thonon-les-Bains", "Albertville", "Montélimar", "Villefranche-sur-Saône"),
        "LYO", "Lyon", 45.764, 4.836),
    RegionData("PAC", "Provence-Alpes-Côte d'Azur", 5.1, "LOT4", (
        "Marseille", "Nice", "Toulon", "Avignon", "Aix-en-Provence", "Digne-les-Bains", "Gap", "Draguignan", "Arles",
        "Cannes", "Antibes", "Grasse", "Carpentras", "Istres", "Manosque", "Briançon", "Fréjus", "Hyères",
        "Salon-de-Provence", "Menton"), "MRS", "Marseille", 43.296, 5.370),
    RegionData("OCC", "Occitanie", 6.0, "LOT4", (
        "Toulouse", "Montpellier", "Nîmes", "Perpignan", "Béziers", "Carcassonne", "Albi", "Montauban", "Rodez",
        "Tarbes", "Auch", "Cahors", "Foix", "Mende", "Narbonne", "Castres", "Alès", "Sète", "Millau", "Pamiers"),
        "TLS", "Toulouse", 43.605, 1.444),
    RegionData("NAQ", "Nouvelle-Aquitaine", 6.0, "LOT3", (
        "Bordeaux", "Limoges", "Poitiers", "La Rochelle", "Pau", "Bayonne", "Angoulême", "Périgueux", "Agen",
        "Mont-de-Marsan", "Niort", "Tulle", "Guéret", "Brive-la-Gaillarde", "Bergerac", "Dax", "Libourne",
        "Arcachon", "Saintes", "Châtellerault"), "BDX", "Bordeaux", 44.838, -0.579),
    RegionData("PDL", "Pays de la Loire", 3.9, "LOT3", (
        "Nantes", "Angers", "Le Mans", "Laval", "La Roche-sur-Yon", "Saint-Nazaire", "Cholet", "Saumur",
        "Les Sables-d'Olonne", "Château-Gontier", "Mayenne", "La Flèche", "Fontenay-le-Comte", "Châteaubriant",
        "Segré", "Ancenis"), "NTE", "Nantes", 47.218, -1.554),
    RegionData("BRE", "Bretagne", 3.4, "LOT3", (
        "Rennes", "Brest", "Quimper", "Vannes", "Saint-Brieuc", "Lorient", "Saint-Malo", "Lannion", "Morlaix",
        "Fougères", "Vitré", "Pontivy", "Guingamp", "Dinan", "Redon", "Concarneau"),
        "REN", "Rennes", 48.117, -1.678),
    RegionData("NOR", "Normandie", 3.3, "LOT1", (
        "Rouen", "Caen", "Le Havre", "Cherbourg-en-Cotentin", "Évreux", "Alençon", "Saint-Lô", "Dieppe", "Lisieux",
        "Bayeux", "Fécamp", "Vernon", "Argentan", "Avranches", "Louviers", "Coutances"),
        "ROU", "Rouen", 49.443, 1.099),
    RegionData("HDF", "Hauts-de-France", 6.0, "LOT1", (
        "Lille", "Amiens", "Arras", "Beauvais", "Laon", "Roubaix", "Tourcoing", "Dunkerque", "Calais",
        "Boulogne-sur-Mer", "Valenciennes", "Douai", "Lens", "Saint-Quentin", "Compiègne", "Soissons", "Abbeville",
        "Cambrai", "Maubeuge", "Béthune", "Senlis"), "LIL", "Lille", 50.629, 3.057),
    RegionData("GES", "Grand Est", 5.6, "LOT2", (
        "Strasbourg", "Metz", "Nancy", "Reims", "Mulhouse", "Colmar", "Troyes", "Châlons-en-Champagne",
        "Charleville-Mézières", "Épinal", "Bar-le-Duc", "Chaumont", "Thionville", "Verdun", "Saint-Dié-des-Vosges",
        "Haguenau", "Sélestat", "Épernay", "Forbach", "Sarreguemines"), "STR", "Strasbourg", 48.573, 7.752),
    RegionData("BFC", "Bourgogne-Franche-Comté", 2.8, "LOT2", (
        "Dijon", "Besançon", "Belfort", "Auxerre", "Mâcon", "Nevers", "Chalon-sur-Saône", "Lons-le-Saunier", "Vesoul",
        "Montbéliard", "Sens", "Dole", "Pontarlier", "Beaune", "Autun", "Le Creusot"),
        "DIJ", "Dijon", 47.322, 5.041),
    RegionData("CVL", "Centre-Val de Loire", 2.6, "LOT3", (
        "Orléans", "Tours", "Bourges", "Blois", "Chartres", "Châteauroux", "Dreux", "Montargis", "Vierzon",
        "Vendôme", "Amboise", "Chinon", "Issoudun", "Romorantin-Lanthenay", "Gien", "Loches"),
        "ORL", "Orléans", 47.903, 1.909),
    RegionData("COR", "Corse", 0.35, "LOT4", (
        "Ajaccio", "Bastia", "Porto-Vecchio", "Corte", "Calvi", "Sartène", "L'Île-Rousse", "Propriano", "Bonifacio",
        "Ghisonaccia"), "AJA", "Ajaccio", 41.919, 8.738),
    RegionData("GUA", "Guadeloupe", 0.38, "LOT5", (
        "Basse-Terre", "Pointe-à-Pitre", "Les Abymes", "Baie-Mahault", "Le Gosier", "Sainte-Anne", "Le Moule",
        "Capesterre-Belle-Eau", "Grand-Bourg"), overseas=True, hub_pop="PAR", satellite_share=0.2),
    RegionData("MTQ", "Martinique", 0.36, "LOT5", (
        "Fort-de-France", "Le Lamentin", "Le Robert", "Schœlcher", "Sainte-Marie", "Le François", "La Trinité",
        "Le Marin", "Saint-Pierre"), overseas=True, hub_pop="PAR", satellite_share=0.2),
    RegionData("GUY", "Guyane", 0.29, "LOT5", (
        "Cayenne", "Kourou", "Saint-Laurent-du-Maroni", "Matoury", "Rémire-Montjoly", "Maripasoula",
        "Saint-Georges", "Mana", "Sinnamary"), overseas=True, hub_pop="PAR", satellite_share=0.6),
    RegionData("REU", "La Réunion", 0.87, "LOT5", (
        "Saint-Denis", "Saint-Pierre", "Saint-Paul", "Le Tampon", "Saint-Benoît", "Saint-André", "Saint-Louis",
        "Le Port", "Saint-Joseph", "Cilaos"), overseas=True, hub_pop="MRS", satellite_share=0.25),
    RegionData("MAY", "Mayotte", 0.31, "LOT5", (
        "Mamoudzou", "Dzaoudzi", "Koungou", "Dembéni", "Sada", "Chirongui", "Pamandzi", "Bandraboua"),
        overseas=True, hub_pop="MRS", satellite_share=0.5),
)

LOTS: dict[str, str] = {
    "LOT1": "Île-de-France, Hauts-de-France, Normandie",
    "LOT2": "Auvergne-Rhône-Alpes, Grand Est, Bourgogne-Franche-Comté",
    "LOT3": "Nouvelle-Aquitaine, Pays de la Loire, Bretagne, Centre-Val de Loire",
    "LOT4": "Occitanie, Provence-Alpes-Côte d'Azur, Corse",
    "LOT5": "Outre-mer (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte)",
}


@dataclass(frozen=True, slots=True)
class DatacentreData:
    code: str
    name: str
    region: str
    lat: float
    lon: float


DATACENTRES: tuple[DatacentreData, ...] = (
    DatacentreData("DC1", "Datacentre Île-de-France Nord (Saint-Denis)", "IDF", 48.936, 2.358),
    DatacentreData("DC2", "Datacentre Île-de-France Sud (Évry-Courcouronnes)", "IDF", 48.624, 2.441),
    DatacentreData("DC3", "Datacentre Rhône (Lyon)", "ARA", 45.740, 4.870),
    DatacentreData("DC4", "Datacentre Occitanie (Toulouse)", "OCC", 43.560, 1.480),
)

# Backbone: both planes follow the same ring; each has its own chords.
RING: tuple[str, ...] = ("PAR", "ROU", "LIL", "STR", "DIJ", "LYO", "MRS", "AJA", "TLS", "BDX", "NTE", "REN", "ORL")
CHORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "A": (("PAR", "LYO"), ("PAR", "BDX"), ("LYO", "TLS")),
    "B": (("PAR", "MRS"), ("PAR", "NTE"), ("LIL", "DIJ")),
}
DC_NEAREST_POPS = 2  # each DC router: its 2 nearest POPs of its plane, plus PAR when not among them
DC_ALWAYS_POP = "PAR"

# Access classes: (name, share of all sites, availability target %, GTR hours, expected redundancy, description)
ACCESS_CLASSES: tuple[tuple[str, float, float, float, int, str], ...] = (
    ("premium", 0.06, 99.99, 4.0, 2,
     "two CE routers, each with a fibre access, landing in two different POPs (home + neighbour)"),
    ("standard", 0.38, 99.9, 4.0, 2,
     "one CE router with a fibre access, plus a 4G backup router to another collect router of the home POP"),
    ("economy", 0.53, 99.5, 8.0, 1, "one CE router with one fibre or copper access"),
    ("overseas", 0.03, 99.0, 24.0, 1,
     "overseas site: one CE router with a satellite or copper access to a metropolitan hub POP"),
)

# Access capacities (Mbit/s) by class and medium.
FIBRE_PREMIUM = (500, 1000)
FIBRE_STANDARD = (100, 200, 500)
FIBRE_ECONOMY = (100, 200)
COPPER = (10, 20, 50, 100)
SATELLITE = (10, 20, 30, 50)
CELLULAR_MBPS = 50
ECONOMY_FIBRE_SHARE = 0.6

# Vendor mixes (weights). Core and datacentre routers: plane A Cisco, plane B Juniper, so
# one vendor's software defect cannot take both planes down. Collect routers: one vendor
# per POP. Site routers: by the operator lot (each lot's operator has its preferred CPE);
# a site's routers (R1, R2, B1) share one vendor.
PLANE_VENDOR = {"A": "cisco", "B": "juniper"}
COLLECT_VENDORS = {"cisco": 5, "juniper": 3, "huawei": 2}
LOT_VENDORS: dict[str, dict[str, int]] = {
    "LOT1": {"cisco": 7, "huawei": 2, "juniper": 1},
    "LOT2": {"huawei": 6, "cisco": 3, "juniper": 1},
    "LOT3": {"cisco": 5, "juniper": 4, "huawei": 1},
    "LOT4": {"cisco": 4, "huawei": 4, "juniper": 2},
    "LOT5": {"cisco": 8, "huawei": 2},
}

# First ifIndex of the first physical port, per vendor (IOS XE numbers from 1, Junos
# physical interfaces from 513, VRP after InLoopBack0/NULL0/Console).
IFINDEX_BASE = {"cisco": 1, "juniper": 513, "huawei": 4}

# Short interface names per vendor, for aliases ("UPLINK PAR-C03 Gi0/1/5"); Junos names are short already.
SHORT_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "cisco": (("TenGigabitEthernet", "Te"), ("HundredGigE", "Hu"), ("GigabitEthernet", "Gi"), ("Cellular", "Ce")),
    "huawei": (("XGigabitEthernet", "XGE"), ("GigabitEthernet", "GE")),
}

# Site names: "{kind}" templates by class; {de} is "de Lyon" / "d'Amiens" / "du Mans", {town} the bare name.
SITE_KINDS: dict[str, tuple[str, ...]] = {
    "premium": ("Préfecture {de}", "Rectorat {de}", "Cour d'appel {de}", "Tribunal judiciaire {de}",
                "Hôtel de police {de}", "DRFiP {town}", "Groupement de gendarmerie {de}", "DREAL {town}"),
    "standard": ("Sous-préfecture {de}", "DDT {town}", "DDFiP {town}", "DDETS {town}", "DDPP {town}",
                 "Tribunal de proximité {de}", "Commissariat {de}", "Compagnie de gendarmerie {de}",
                 "Centre des finances publiques {de}", "DSDEN {town}", "Maison d'arrêt {de}",
                 "Direction des douanes {de}"),
    "economy": ("Brigade de gendarmerie {de}", "Trésorerie {de}", "SIP {town}", "Bureau de douane {de}",
                "CIO {town}", "SPIP {town}", "Conseil de prud'hommes {de}", "Poste de police {de}",
                "Antenne DDT {town}", "Unité départementale DREAL {town}", "Service des impôts des entreprises {de}",
                "Agence ONF {town}"),
}
SITE_KINDS["overseas"] = SITE_KINDS["standard"] + SITE_KINDS["economy"]


def de(town: str) -> str:
    """French 'of': "de Lyon", "d'Amiens", "du Mans", "des Abymes", "de La Rochelle"."""
    if town.startswith("Le "):
        return "du " + town[3:]
    if town.startswith("Les "):
        return "des " + town[4:]
    if town[0] in "AEIOUYÉÈÊÎÂÔ" and not town.startswith("L'"):
        return "d'" + town
    return "de " + town
