package pii

import "strings"

// Detectors of numbers that identify a person or an account: payment cards,
// IBANs, US social security numbers and phone numbers. Each is a loop, not
// a regular expression, because the checks that keep ids, timestamps,
// versions and addresses quiet (checksums, issuer and country rules,
// boundaries) are arithmetic.

// cardNumber finds payment card numbers: 13 to 19 digits, alone or in
// groups of four (or Amex's 4-6-5) separated by single spaces or dashes,
// not part of a longer number, word or decimal, passing the Luhn check and
// starting with a card network's prefix. Luhn alone passes one in ten
// random numbers; the prefix and length rules keep timestamps, order ids
// and trace ids out.
func cardNumber(s string, from int) (int, int) {
	var digits [19]byte
	for i := from; i < len(s); {
		if !isDigit(s[i]) || (i > 0 && (isWord(s[i-1]) || s[i-1] == '.')) {
			i++
			continue
		}
		// A maximal run of digit groups from i.
		start, j := i, i
		n, groups := 0, 0
		var glen [8]int
		tooLong := false
		for {
			g := 0
			for j < len(s) && isDigit(s[j]) {
				if n < len(digits) {
					digits[n] = s[j]
				}
				n++
				g++
				j++
			}
			if groups < len(glen) {
				glen[groups] = g
			} else {
				tooLong = true
			}
			groups++
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				j++
				continue
			}
			break
		}
		i = j
		if tooLong || n < 13 || n > 19 {
			continue
		}
		if j < len(s) && (isWord(s[j]) || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
			continue
		}
		if !cardGroups(glen[:groups]) || !luhn(digits[:n]) || !cardPrefix(digits[:n]) {
			continue
		}
		return start, j
	}
	return -1, -1
}

// cardGroups accepts one run of digits, groups of four with a shorter last
// group, or the 4-6-5 and 4-6-4 groupings of Amex and Diners cards.
func cardGroups(g []int) bool {
	if len(g) == 1 {
		return true
	}
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4) {
		return true
	}
	for k, n := range g {
		if k < len(g)-1 && n != 4 || k == len(g)-1 && (n < 1 || n > 4) {
			return false
		}
	}
	return true
}

func luhn(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// cardPrefix checks the issuer prefix and length of the major networks:
// Visa, Mastercard, American Express, Discover, Diners Club, JCB, UnionPay.
func cardPrefix(d []byte) bool {
	n := len(d)
	p := func(k int) int {
		v := 0
		for _, c := range d[:k] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return n == 16
	case p(2) == 34 || p(2) == 37:
		return n == 15
	case p(4) == 6011, p(3) >= 644 && p(3) <= 649, p(2) == 65:
		return n >= 16
	case p(3) >= 300 && p(3) <= 305, p(2) == 36, p(2) == 38, p(2) == 39:
		return n >= 14
	case p(4) >= 3528 && p(4) <= 3589:
		return n >= 16
	case p(2) == 62:
		return n >= 16
	}
	return false
}

// ibanLength is the length of an IBAN per country (ISO 13616 registry).
var ibanLength = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20,
	{'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21,
	{'C', 'R'}: 22, {'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27,
	{'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28,
	{'H', 'R'}: 21, {'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26,
	{'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32,
	{'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21, {'M', 'C'}: 27, {'M', 'D'}: 24,
	{'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'L'}: 18,
	{'N', 'O'}: 15, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29,
	{'R', 'O'}: 24, {'R', 'S'}: 22, {'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'E'}: 24, {'S', 'I'}: 19,
	{'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'T'}: 25, {'S', 'V'}: 28, {'T', 'L'}: 23, {'T', 'N'}: 24,
	{'T', 'R'}: 26, {'U', 'A'}: 29, {'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20,
}

// iban finds international bank account numbers: a country code, two
// check digits and the account number, written without spaces or in
// groups of four, of exactly the country's length, passing the ISO 7064
// mod-97 check. Country, length and checksum together let about one random
// string of the right shape in 97 × (lengths) through, and uppercase hex
// ids rarely start with a country code and two digits.
func iban(s string, from int) (int, int) {
	var buf [34]byte
	for i := from; i+4 < len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) || i > 0 && isWord(s[i-1]) {
			continue
		}
		want, ok := ibanLength[[2]byte{s[i], s[i+1]}]
		if !ok {
			continue
		}
		// Compact, or groups of four separated by single spaces.
		n, j := 0, i
		for j < len(s) && n < want {
			c := s[j]
			switch {
			case isDigit(c) || isUpper(c):
				buf[n] = c
				n++
				j++
			case c == ' ' && n%4 == 0 && n > 0 && j+1 < len(s) && (isDigit(s[j+1]) || isUpper(s[j+1])) &&
				(n > 4 || s[i+4] == ' '):
				j++ // a group separator, only when the first group ended with one
			default:
				want = -1 // a break in the number: too short
			}
		}
		if n != want || j < len(s) && isWord(s[j]) {
			continue
		}
		if ibanChecksum(buf[:n]) {
			return i, j
		}
	}
	return -1, -1
}

// ibanChecksum is the ISO 7064 mod 97-10 check: move the first four
// characters to the end, read letters as 10..35, and the number must be 1
// modulo 97. Check digits 00, 01 and 99 are never issued.
func ibanChecksum(iban []byte) bool {
	if cd := iban[2:4]; cd[0] == '0' && cd[1] <= '1' || cd[0] == '9' && cd[1] == '9' {
		return false
	}
	rem := 0
	for k := range iban {
		c := iban[(k+4)%len(iban)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem == 1
}

// ssn finds US social security numbers written AAA-GG-SSSS, the only
// form distinct enough from other nine-digit numbers: an area other than
// 000, 666 and 900-999, a group other than 00, a serial other than 0000,
// and not part of a longer run of digits and dashes (dates, UUIDs, phone
// numbers).
func ssn(s string, from int) (int, int) {
	for i := from; i+11 <= len(s); i++ {
		if !isDigit(s[i]) || i > 0 && (isWord(s[i-1]) || s[i-1] == '-' || s[i-1] == '.') {
			continue
		}
		c := s[i : i+11]
		if c[3] != '-' || c[6] != '-' || !allDigits(c[:3]) || !allDigits(c[4:6]) || !allDigits(c[7:]) {
			continue
		}
		if j := i + 11; j < len(s) && (isWord(s[j]) || s[j] == '-' || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
			continue
		}
		if c[:3] == "000" || c[:3] == "666" || c[0] == '9' || c[4:6] == "00" || c[7:] == "0000" {
			continue
		}
		return i, i + 11
	}
	return -1, -1
}

// phone finds phone numbers in two forms an application writes them:
//
//   - international (E.164 with optional separators): "+" and 9 to 15
//     digits, e.g. +14155552671, +44 20 7946 0958, +1 (415) 555-2671;
//   - North American: (415) 555-2671, 415-555-2671, 415.555.2671, with
//     the area code and exchange starting with 2-9 as NANP requires.
//
// Neither may touch a letter, digit or decimal point on either side, so
// version strings, IP addresses, timestamps ("+01:00"), signed decimals
// and base64 runs stay quiet. Bare runs of ten digits are not reported:
// they are far more often ids and timestamps than phone numbers.
func phone(s string, from int) (int, int) {
	for i := from; i < len(s); i++ {
		c := s[i]
		if c != '+' && c != '(' && !isDigit(c) {
			continue
		}
		if i > 0 && (isWord(s[i-1]) || strings.IndexByte("+-.(/", s[i-1]) >= 0) {
			continue
		}
		var end int
		if c == '+' {
			end = e164(s, i)
		} else {
			end = nanp(s, i)
		}
		if end < 0 {
			if isDigit(c) {
				for i+1 < len(s) && isDigit(s[i+1]) { // not from inside this run
					i++
				}
			}
			continue
		}
		if end < len(s) && (isWord(s[end]) || (s[end] == '.' || s[end] == '-') && end+1 < len(s) && isDigit(s[end+1])) {
			continue
		}
		return i, end
	}
	return -1, -1
}

// e164 returns the end of an international number starting with "+" at
// s[i], or -1. Separators are single spaces, dashes or dots between
// groups, and parentheses around one group; dots need three groups or
// more, so "+1.23456789" is a number, not a phone.
func e164(s string, i int) int {
	j := i + 1
	if j >= len(s) || s[j] < '1' || s[j] > '9' {
		return -1
	}
	digits, groups, dots, paren := 0, 0, 0, false
	end := -1
	for j < len(s) {
		switch c := s[j]; {
		case isDigit(c):
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			digits += k - j
			groups++
			j = k
			end = j
			continue
		case c == '(' && !paren && groups > 0 && j+1 < len(s) && isDigit(s[j+1]):
			k := j + 1
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if k >= len(s) || s[k] != ')' || k-j-1 > 4 {
				return -1
			}
			paren = true
			digits += k - j - 1
			groups++
			j = k + 1
			end = j
			if j < len(s) && s[j] == ' ' && j+1 < len(s) && isDigit(s[j+1]) {
				j++
			}
			continue
		case (c == ' ' || c == '-' || c == '.') && groups > 0 && j+1 < len(s) && (isDigit(s[j+1]) || s[j+1] == '(' && c == ' '):
			if c == '.' {
				dots++
			}
			j++
			continue
		}
		break
	}
	if digits < 9 || digits > 15 || dots > 0 && groups < 3 {
		return -1
	}
	return end
}

// nanp returns the end of a North American number starting at s[i], or -1.
func nanp(s string, i int) int {
	j := i
	paren := s[j] == '('
	if paren {
		j++
	}
	if j+3 > len(s) || !allDigits(s[j:j+3]) || s[j] < '2' {
		return -1
	}
	j += 3
	var sep byte
	if paren {
		if j >= len(s) || s[j] != ')' {
			return -1
		}
		j++
		if j < len(s) && s[j] == ' ' {
			j++
		}
		sep = '-'
	} else {
		if j >= len(s) || s[j] != '-' && s[j] != '.' {
			return -1
		}
		sep = s[j]
		j++
	}
	if j+8 > len(s) || !allDigits(s[j:j+3]) || s[j] < '2' || s[j+3] != sep || !allDigits(s[j+4:j+8]) {
		return -1
	}
	return j + 8
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
