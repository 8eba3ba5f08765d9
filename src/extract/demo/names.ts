/** French names, places and catalogue words for the demo company (a building-supplies wholesaler). */

export const FIRST_NAMES = [
  'Jean', 'Marie', 'Pierre', 'Nathalie', 'Philippe', 'Isabelle', 'Michel', 'Sylvie', 'Alain', 'Catherine',
  'Nicolas', 'Sandrine', 'Laurent', 'Valérie', 'Stéphane', 'Céline', 'Julien', 'Aurélie', 'Sébastien',
  'Émilie', 'Frédéric', 'Hélène', 'Thierry', 'Sophie', 'Olivier', 'Camille', 'François', 'Chloé',
  'Jérôme', 'Léa', 'Benoît', 'Manon', 'Grégory', 'Élodie', 'Hervé', 'Agnès', 'Rémi', 'Margaux',
] as const;

export const LAST_NAMES = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
  'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier',
  'Morel', 'Girard', 'André', 'Lefebvre', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez',
  'Legrand', 'Garnier', 'Faure', 'Rousseau', 'Blanc', 'Guérin', 'Muller', 'Henry', 'Roussel', 'Nicolas',
  'Perrin', 'Morin', 'Mathieu', 'Clément', 'Gauthier', 'Dumont', 'Lopez', 'Fontaine', 'Chevalier',
  'Robin', 'Masson', 'Sanchez', 'Gérard', 'Nguyen', 'Boyer', 'Denis', 'Lemaire', 'Duval', 'Joly',
  'Gautier', 'Roger', 'Roche', 'Roy', 'Noël', 'Meyer', 'Lucas', 'Meunier', 'Jean', 'Perez', 'Marchand',
  'Dufour', 'Blanchard', 'Barbier', 'Brun', 'Dumas', 'Brunet', 'Schmitt', 'Leroux', 'Colin', 'Fernandez',
  'Pierre', 'Renard', 'Arnaud', 'Rolland', 'Caron', 'Aubert', 'Giraud', 'Leclerc', 'Vidal', 'Bourgeois',
  'Renaud', 'Lemoine', 'Picard', 'Gaillard', 'Philippe', 'Leclercq', 'Lacroix', 'Fabre', 'Dupuis', 'Olivier',
  'Rodriguez', 'Da Silva', 'Hubert', 'Louis', 'Charles', 'Guillot', 'Rivière', 'Le Gall', 'Guillaume',
  'Adam', 'Rey', 'Moulin', 'Gonzalez', 'Berger', 'Lecomte', 'Ménard', 'Fleury', 'Deschamps', 'Carpentier',
  'Julien', 'Benoît', 'Paris', 'Maillard', 'Marchal', 'Aubry', 'Vasseur', 'Le Roux', 'Renault', 'Jacquet',
  'Collet', 'Prévost', 'Poirier', 'Charpentier', 'Royer', 'Huet', 'Baron', 'Dupuy', 'Pons', 'Paul',
  'Laine', 'Carré', 'Breton', 'Rémy', 'Schneider', 'Perrot', 'Guyot', 'Barre', 'Marty', 'Cousin',
] as const;

/** Trades of the customers (craftsmen and small building firms) with their share of the customer base. */
export const CUSTOMER_TRADES = [
  ['Menuiserie', 'MENUISERIE'],
  ['Plomberie', 'PLOMBERIE'],
  ['Électricité', 'ÉLECTRICITÉ'],
  ['Maçonnerie', 'GROS ŒUVRE'],
  ['Couverture', 'COUVERTURE'],
  ['Peinture', 'FINITIONS'],
  ['Charpente', 'CHARPENTE'],
  ['Chauffage', 'GÉNIE CLIMATIQUE'],
  ['Rénovation', 'RÉNOVATION'],
  ['Bâtiment', 'TOUS CORPS D’ÉTAT'],
  ['Carrelage', 'FINITIONS'],
  ['Paysages', 'ESPACES VERTS'],
  ['Serrurerie', 'MÉTALLERIE'],
] as const;

export const LEGAL_FORMS = ['SARL', 'SAS', 'EURL', 'SA', 'SASU', ''] as const;

/** Public and large accounts, for a realistic mix. */
export const INSTITUTIONAL_CUSTOMERS = [
  'Mairie de Villeurbanne', 'Mairie de Vénissieux', 'Lycée Ampère', 'Office HLM Rhône Habitat',
  'Clinique du Parc', 'Syndic Foncia Lyon', 'Hôtel des Célestins', 'Collège Jean Moulin',
  'Centre hospitalier de Vienne', 'Communauté de communes du Pilat', 'Golf de Charbonnières',
  'Camping Les Saules', 'Résidence Le Bellecour', 'Institut Pasteur Lyon', 'Musée des Confluences',
] as const;

export const CITIES = [
  ['69001', 'Lyon'], ['69003', 'Lyon'], ['69007', 'Lyon'], ['69100', 'Villeurbanne'], ['69200', 'Vénissieux'],
  ['69300', 'Caluire-et-Cuire'], ['69500', 'Bron'], ['69800', 'Saint-Priest'], ['69120', 'Vaulx-en-Velin'],
  ['69600', 'Oullins'], ['69400', 'Villefranche-sur-Saône'], ['38200', 'Vienne'], ['38000', 'Grenoble'],
  ['42000', 'Saint-Étienne'], ['01000', 'Bourg-en-Bresse'], ['73000', 'Chambéry'], ['74000', 'Annecy'],
  ['26000', 'Valence'], ['71000', 'Mâcon'], ['38300', 'Bourgoin-Jallieu'], ['69140', 'Rillieux-la-Pape'],
  ['69330', 'Meyzieu'], ['69150', 'Décines-Charpieu'], ['01700', 'Miribel'], ['42300', 'Roanne'],
  ['63000', 'Clermont-Ferrand'], ['21000', 'Dijon'], ['13001', 'Marseille'], ['75011', 'Paris'],
  ['31000', 'Toulouse'],
] as const;

export const STREETS = [
  'rue de la République', 'avenue Jean Jaurès', 'rue Victor Hugo', 'boulevard des Belges', 'rue Pasteur',
  'chemin des Vignes', 'rue du Moulin', 'avenue de la Gare', 'rue des Artisans', 'zone artisanale Les Prés',
  'rue Garibaldi', 'cours Lafayette', 'rue de l’Industrie', 'impasse des Tilleuls', 'route de Vienne',
  'rue Paul Bert', 'allée des Érables', 'rue Saint-Exupéry', 'avenue Général de Gaulle', 'ZI du Rhône',
] as const;

export interface FamilyCatalogue {
  readonly code: string;
  readonly name: string;
  /** Words combined into item designations: base names × variants. */
  readonly bases: readonly string[];
  readonly variants: readonly string[];
  /** Sale price range, in euros. */
  readonly priceMin: number;
  readonly priceMax: number;
  /** Sales quantity range per line. */
  readonly qtyMin: number;
  readonly qtyMax: number;
  readonly unit: string;
  readonly service: boolean;
  /** Sales coefficient (sale price / purchase price). */
  readonly coefficient: number;
  readonly taxCode: 'C20' | 'C10';
  readonly webCategory: string;
  /** Relative popularity of the family in sales. */
  readonly weight: number;
}

export const FAMILIES: readonly FamilyCatalogue[] = [
  {
    code: 'QUINC', name: 'Quincaillerie', unit: 'Boîte', service: false, coefficient: 1.9, taxCode: 'C20', weight: 5,
    webCategory: 'Fixations', priceMin: 3, priceMax: 45, qtyMin: 2, qtyMax: 40,
    bases: ['Vis à bois', 'Cheville nylon', 'Boulon TH', 'Rondelle plate', 'Clou tête plate', 'Équerre renforcée', 'Charnière inox', 'Serre-joint', 'Crochet', 'Tire-fond'],
    variants: ['4x40', '5x50', '6x60', 'M8', 'M10', 'inox A2', 'zingué', 'lot de 100', 'lot de 200', '8 mm'],
  },
  {
    code: 'OUTIL', name: 'Outillage électroportatif', unit: 'Pièce', service: false, coefficient: 1.45, taxCode: 'C20', weight: 3,
    webCategory: 'Outillage', priceMin: 60, priceMax: 690, qtyMin: 1, qtyMax: 3,
    bases: ['Perceuse visseuse', 'Meuleuse d’angle', 'Scie sauteuse', 'Ponceuse orbitale', 'Perforateur SDS+', 'Scie circulaire', 'Rabot électrique', 'Visseuse à choc', 'Décapeur thermique', 'Aspirateur de chantier'],
    variants: ['18 V', '12 V', '750 W', '1 200 W', 'Pro', 'compacte', 'sans fil', 'brushless', 'avec coffret', '2 batteries'],
  },
  {
    code: 'ELEC', name: 'Électricité', unit: 'Pièce', service: false, coefficient: 1.7, taxCode: 'C20', weight: 4,
    webCategory: 'Électricité', priceMin: 4, priceMax: 180, qtyMin: 1, qtyMax: 25,
    bases: ['Câble R2V', 'Disjoncteur', 'Interrupteur différentiel', 'Prise 2P+T', 'Gaine ICTA', 'Tableau électrique', 'Spot LED encastrable', 'Boîte de dérivation', 'Interrupteur va-et-vient', 'Réglette LED'],
    variants: ['3G1,5', '3G2,5', '16 A', '20 A', '40 A 30 mA', '2 rangées', '20 mm', 'IP65', 'blanc', '6 W'],
  },
  {
    code: 'PLOMB', name: 'Plomberie sanitaire', unit: 'Pièce', service: false, coefficient: 1.6, taxCode: 'C20', weight: 4,
    webCategory: 'Plomberie', priceMin: 5, priceMax: 420, qtyMin: 1, qtyMax: 12,
    bases: ['Tube cuivre', 'Raccord laiton', 'Mitigeur lavabo', 'Vanne quart de tour', 'Siphon PVC', 'Tube PER', 'Chauffe-eau', 'Collecteur', 'Robinet d’arrêt', 'WC suspendu'],
    variants: ['12 mm', '16 mm', '20/27', '1/2"', 'chromé', '100 L', '200 L', 'couronne 50 m', 'à compression', 'bâti-support'],
  },
  {
    code: 'PEINT', name: 'Peinture et revêtements', unit: 'Pot', service: false, coefficient: 1.75, taxCode: 'C20', weight: 3,
    webCategory: 'Peinture', priceMin: 12, priceMax: 140, qtyMin: 1, qtyMax: 15,
    bases: ['Peinture acrylique', 'Sous-couche', 'Lasure bois', 'Enduit de rebouchage', 'Vernis parquet', 'Peinture façade', 'Primaire d’accrochage', 'Colle carrelage'],
    variants: ['mat 10 L', 'satin 2,5 L', 'blanc 15 L', 'chêne clair', 'incolore', 'sac 25 kg', '5 kg', 'gris anthracite'],
  },
  {
    code: 'JARDIN', name: 'Jardin et extérieur', unit: 'Pièce', service: false, coefficient: 1.65, taxCode: 'C20', weight: 2,
    webCategory: 'Extérieur', priceMin: 15, priceMax: 480, qtyMin: 1, qtyMax: 6,
    bases: ['Taille-haie', 'Tondeuse', 'Nettoyeur haute pression', 'Brouette', 'Grillage soudé', 'Poteau aluminium', 'Dalle gravillonnée', 'Bordure béton'],
    variants: ['thermique', 'électrique', '160 bars', '100 L', 'rouleau 25 m', '1,50 m', '50x50', 'gris'],
  },
  {
    code: 'EPI', name: 'Équipements de protection', unit: 'Pièce', service: false, coefficient: 1.8, taxCode: 'C20', weight: 2,
    webCategory: 'Sécurité', priceMin: 4, priceMax: 95, qtyMin: 2, qtyMax: 20,
    bases: ['Gants de manutention', 'Casque de chantier', 'Lunettes de protection', 'Chaussures de sécurité', 'Gilet haute visibilité', 'Masque FFP2', 'Bouchons d’oreille', 'Harnais antichute'],
    variants: ['taille 9', 'taille 10', 'S3', 'jaune', 'boîte de 20', 'ventilé', 'EN 397', 'pointure 43'],
  },
  {
    code: 'SERV', name: 'Prestations de service', unit: 'Heure', service: true, coefficient: 2.2, taxCode: 'C10', weight: 1,
    webCategory: 'Services', priceMin: 45, priceMax: 85, qtyMin: 1, qtyMax: 16,
    bases: ['Pose', 'Installation', 'Maintenance', 'Dépannage', 'Mise en service', 'Formation'],
    variants: ['technicien', 'chef d’équipe', 'sur site', 'en atelier'],
  },
];

export const SUPPLIER_NAMES = [
  'Comptoir Électrique Lyonnais', 'Outillage Rhodanien', 'Métaux du Centre', 'Sanitaires Dauphinois',
  'Peintures de Savoie', 'Quincaillerie Industrielle Alpes', 'Protection Pro Distribution', 'Jardimat Sud-Est',
  'Établissements Perrin & Cie', 'Lumière et Câbles SA', 'Fixations Europe', 'Hydro Plomberie Services',
  'Batifourniture', 'Négoce Bois et Matériaux', 'Rhône Outils Diffusion', 'Atlas Sécurité',
  'Thermique Diffusion', 'Couleurs et Façades', 'Visserie du Lyonnais', 'Électro-Dépôt Pro',
] as const;

export const ORDER_REFERENCES = ['Chantier', 'Cde', 'Réf.', 'Opération', 'Bon', 'Devis'] as const;

export const SITE_NAMES = [
  'Les Terrasses', 'Le Clos Fleuri', 'Rue Pasteur', 'Groupe scolaire', 'Villa Monplaisir', 'Résidence Azur',
  'Salle des fêtes', 'Mairie annexe', 'Hangar nord', 'Pavillon B', 'Bureaux Part-Dieu', 'Gymnase',
] as const;
