/** The demo restaurant's menu and floor, as plain data; seed.ts turns it into items. */

/** Tag keys used by the menu below. */
export const TAGS = {
  vegan: ['Vegan', '#2e9d5b'],
  veg: ['Vegetarian', '#7cb342'],
  gf: ['Gluten-free', '#f2a541'],
  spicy: ['Spicy', '#d64541'],
  new: ['New', '#3f7fd9'],
  chef: ["Chef's pick", '#8e44ad'],
  nuts: ['Contains nuts', '#a0522d'],
  lf: ['Lactose-free', '#16a3b8'],
} as const;

export type TagKey = keyof typeof TAGS;

/** Attribute key → name, multiple choice, options [name, price delta in cents]. */
export const ATTRIBUTES = {
  doneness: [
    'Doneness',
    false,
    [
      ['Rare', 0],
      ['Medium rare', 0],
      ['Medium', 0],
      ['Well done', 0],
    ],
  ],
  size: [
    'Size',
    false,
    [
      ['Small', -100],
      ['Regular', 0],
      ['Large', 150],
    ],
  ],
  extras: [
    'Extras',
    true,
    [
      ['Extra cheese', 150],
      ['Bacon', 200],
      ['Avocado', 250],
      ['Fried egg', 150],
    ],
  ],
  milk: [
    'Milk',
    false,
    [
      ['Whole milk', 0],
      ['Oat milk', 40],
      ['Soy milk', 40],
      ['Almond milk', 50],
    ],
  ],
} as const satisfies Record<string, readonly [string, boolean, readonly (readonly [string, number])[]]>;

export type AttributeKey = keyof typeof ATTRIBUTES;

export type Printer = 'kitchen' | 'bar';

/** [name, price in cents, tags, attributes] */
type Dish = readonly [string, number, readonly TagKey[], readonly AttributeKey[]];

export interface MenuSection {
  name: string;
  color: string;
  printer: Printer;
  dishes: readonly Dish[];
}

export const MENU: readonly MenuSection[] = [
  {
    name: 'Starters',
    color: '#e07a5f',
    printer: 'kitchen',
    dishes: [
      ['Garlic bread', 450, ['veg'], []],
      ['Bruschetta al pomodoro', 650, ['vegan'], []],
      ['Calamari fritti', 950, [], []],
      ['Chicken wings', 890, ['spicy', 'gf'], ['size']],
      ['Nachos grande', 1050, ['veg', 'spicy'], ['extras']],
      ['Hummus & pita', 750, ['vegan'], []],
      ['Burrata with tomatoes', 1150, ['veg', 'gf', 'chef'], []],
      ['Patatas bravas', 650, ['vegan', 'gf', 'spicy'], []],
      ['Prawn cocktail', 1250, ['gf'], []],
      ['Stuffed mushrooms', 790, ['veg'], []],
      ['Beef carpaccio', 1350, ['gf'], []],
      ['Edamame', 550, ['vegan', 'gf', 'lf'], []],
    ],
  },
  {
    name: 'Soups & Salads',
    color: '#81b29a',
    printer: 'kitchen',
    dishes: [
      ['Tomato soup', 650, ['vegan', 'gf'], ['size']],
      ['French onion soup', 750, ['veg'], ['size']],
      ['Minestrone', 690, ['vegan'], ['size']],
      ['Thai coconut soup', 790, ['vegan', 'spicy', 'gf'], ['size']],
      ['Caesar salad', 1090, [], ['extras']],
      ['Greek salad', 990, ['veg', 'gf'], []],
      ['Quinoa bowl', 1190, ['vegan', 'gf', 'new'], ['extras']],
      ['Niçoise salad', 1290, ['gf', 'lf'], []],
      ['Goat cheese salad', 1150, ['veg', 'nuts'], []],
      ['Caprese salad', 990, ['veg', 'gf'], []],
      ['Chicken & avocado salad', 1250, ['gf', 'lf'], []],
      ['Soup of the day', 590, [], ['size']],
    ],
  },
  {
    name: 'Mains',
    color: '#3d405b',
    printer: 'kitchen',
    dishes: [
      ['Ribeye steak 300 g', 2890, ['gf', 'chef'], ['doneness']],
      ['Sirloin steak 250 g', 2390, ['gf'], ['doneness']],
      ['Grilled salmon', 2150, ['gf', 'lf'], []],
      ['Fish & chips', 1650, ['lf'], []],
      ['Roast half chicken', 1790, ['gf'], []],
      ['Lamb shank', 2450, ['gf', 'chef'], []],
      ['Pork belly', 1890, ['lf'], []],
      ['Mushroom risotto', 1550, ['veg', 'gf'], []],
      ['Vegetable curry', 1450, ['vegan', 'gf', 'spicy'], []],
      ['Sea bass fillet', 2290, ['gf'], []],
      ['Duck confit', 2390, ['gf'], []],
      ['Tofu stir-fry', 1390, ['vegan', 'lf', 'new'], []],
    ],
  },
  {
    name: 'Burgers',
    color: '#f2cc8f',
    printer: 'kitchen',
    dishes: [
      ['Classic burger', 1390, [], ['doneness', 'extras']],
      ['Cheeseburger', 1490, [], ['doneness', 'extras']],
      ['Bacon burger', 1590, [], ['doneness', 'extras']],
      ['BBQ burger', 1590, [], ['doneness', 'extras']],
      ['Blue cheese burger', 1650, ['chef'], ['doneness', 'extras']],
      ['Jalapeño burger', 1590, ['spicy'], ['doneness', 'extras']],
      ['Chicken burger', 1390, [], ['extras']],
      ['Veggie burger', 1290, ['veg'], ['extras']],
      ['Vegan burger', 1390, ['vegan', 'new'], ['extras']],
      ['Fish burger', 1450, [], ['extras']],
      ['Truffle burger', 1890, ['chef'], ['doneness', 'extras']],
      ['Kids burger', 890, [], ['doneness']],
    ],
  },
  {
    name: 'Pizza',
    color: '#e63946',
    printer: 'kitchen',
    dishes: [
      ['Margherita', 1050, ['veg'], ['size', 'extras']],
      ['Marinara', 890, ['vegan'], ['size']],
      ['Pepperoni', 1290, [], ['size', 'extras']],
      ['Quattro formaggi', 1390, ['veg'], ['size']],
      ['Prosciutto e funghi', 1390, [], ['size', 'extras']],
      ['Diavola', 1350, ['spicy'], ['size', 'extras']],
      ['Capricciosa', 1450, [], ['size']],
      ['Vegetariana', 1250, ['veg'], ['size', 'extras']],
      ['Tonno e cipolla', 1350, [], ['size']],
      ['Calzone', 1390, [], ['extras']],
      ['Pizza bianca', 1290, ['veg', 'new'], ['size']],
      ['Pesto & pine nuts', 1390, ['veg', 'nuts'], ['size']],
    ],
  },
  {
    name: 'Pasta',
    color: '#ffb703',
    printer: 'kitchen',
    dishes: [
      ['Spaghetti carbonara', 1350, [], []],
      ['Spaghetti bolognese', 1290, [], ['size']],
      ['Penne arrabbiata', 1150, ['vegan', 'spicy'], ['size']],
      ['Fettuccine alfredo', 1290, ['veg'], ['extras']],
      ['Lasagne', 1450, [], []],
      ['Linguine alle vongole', 1690, ['lf'], []],
      ['Gnocchi al pesto', 1290, ['veg', 'nuts'], []],
      ['Ravioli ricotta e spinaci', 1390, ['veg'], []],
      ['Tagliatelle al ragù', 1490, ['chef'], []],
      ['Spaghetti aglio e olio', 1050, ['vegan'], []],
      ['Seafood linguine', 1890, [], []],
      ['Gluten-free penne', 1290, ['gf', 'vegan'], []],
    ],
  },
  {
    name: 'Desserts',
    color: '#cdb4db',
    printer: 'kitchen',
    dishes: [
      ['Tiramisu', 750, ['veg', 'chef'], []],
      ['Chocolate lava cake', 850, ['veg'], []],
      ['New York cheesecake', 790, ['veg'], []],
      ['Crème brûlée', 750, ['veg', 'gf'], []],
      ['Apple crumble', 720, ['veg'], []],
      ['Panna cotta', 690, ['veg', 'gf'], []],
      ['Sorbet trio', 650, ['vegan', 'gf', 'lf'], []],
      ['Ice cream (3 scoops)', 650, ['veg', 'gf'], []],
      ['Brownie with ice cream', 790, ['veg', 'nuts'], []],
      ['Affogato', 590, ['veg', 'gf'], []],
      ['Fruit salad', 590, ['vegan', 'gf', 'lf'], []],
      ['Cheese board', 1290, ['veg', 'nuts'], []],
    ],
  },
  {
    name: 'Coffee & Tea',
    color: '#6f4e37',
    printer: 'bar',
    dishes: [
      ['Espresso', 250, ['vegan'], []],
      ['Double espresso', 350, ['vegan'], []],
      ['Americano', 320, ['vegan'], ['size']],
      ['Cappuccino', 380, ['veg'], ['size', 'milk']],
      ['Flat white', 400, ['veg'], ['milk']],
      ['Latte macchiato', 420, ['veg'], ['size', 'milk']],
      ['Mocha', 450, ['veg'], ['size', 'milk']],
      ['Chai latte', 450, ['veg', 'spicy'], ['size', 'milk']],
      ['Hot chocolate', 420, ['veg'], ['size', 'milk']],
      ['English breakfast tea', 300, ['vegan'], ['milk']],
      ['Green tea', 300, ['vegan'], []],
      ['Fresh mint tea', 350, ['vegan', 'new'], []],
    ],
  },
  {
    name: 'Soft drinks',
    color: '#48cae4',
    printer: 'bar',
    dishes: [
      ['Still water 0.75 l', 450, ['vegan'], []],
      ['Sparkling water 0.75 l', 450, ['vegan'], []],
      ['Cola', 350, ['vegan'], ['size']],
      ['Cola zero', 350, ['vegan'], ['size']],
      ['Lemonade', 390, ['vegan'], ['size']],
      ['Homemade iced tea', 420, ['vegan', 'new'], ['size']],
      ['Orange juice', 420, ['vegan'], ['size']],
      ['Apple juice', 390, ['vegan'], ['size']],
      ['Ginger beer', 420, ['vegan', 'spicy'], []],
      ['Tonic water', 350, ['vegan'], []],
      ['Virgin mojito', 650, ['vegan'], []],
      ['Strawberry milkshake', 590, ['veg'], ['size']],
    ],
  },
  {
    name: 'Beer & Wine',
    color: '#9d0208',
    printer: 'bar',
    dishes: [
      ['Draught lager 0.3 l', 390, ['vegan'], []],
      ['Draught lager 0.5 l', 550, ['vegan'], []],
      ['Wheat beer 0.5 l', 590, [], []],
      ['IPA 0.33 l', 620, ['vegan', 'new'], []],
      ['Stout 0.33 l', 590, [], []],
      ['Alcohol-free beer', 450, ['vegan'], []],
      ['House red, glass', 590, ['vegan', 'gf'], []],
      ['House white, glass', 590, ['vegan', 'gf'], []],
      ['Rosé, glass', 620, ['vegan', 'gf'], []],
      ['Prosecco, glass', 690, ['vegan', 'gf'], []],
      ['Rioja Reserva, bottle', 3450, ['vegan', 'gf', 'chef'], []],
      ['Sauvignon Blanc, bottle', 2990, ['vegan', 'gf'], []],
    ],
  },
];

/** Zone name → tables [prefix, count, seats, shape]; positions are laid out on a grid. */
export const FLOOR = [
  ['Dining room', 'T', 14, 4, 'square'],
  ['Terrace', 'P', 10, 2, 'round'],
  ['Bar', 'B', 6, 2, 'rect'],
] as const;

/** [name, role] — the first is the manager. */
export const STAFF = [
  ['Maria Lopez', 'Manager'],
  ['James Chen', 'Shift lead'],
  ['Aisha Khan', 'Shift lead'],
  ['Tom Becker', 'Waiter'],
  ['Lucia Romano', 'Waiter'],
  ['Noah Williams', 'Waiter'],
  ['Emma Dubois', 'Waiter'],
  ['Yusuf Demir', 'Waiter'],
] as const;
